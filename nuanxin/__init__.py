"""Nuanxin (暖心): know every person in hardship, reach each one on time,
act on what they find, and prove that nobody was missed."""
