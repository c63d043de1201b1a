from django.core.management.base import BaseCommand, CommandError

from nuanxin.demo.city import DEFAULT_SEED, city_seed


class Command(BaseCommand):
    help = (
        "Build the synthetic city: region tree, story people and N people in all "
        "(reproducible: the same seed gives the same people and ID numbers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, required=True, help="people in all")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--no-steps", action="store_true", help="skip the steps other apps add (visits …)"
        )

    def handle(self, *args, persons, seed, no_steps, **options):
        if persons < 0:
            raise CommandError("--persons must be 0 or more")
        result = city_seed(persons=persons, seed=seed, stdout=self.stdout, run_steps=not no_steps)
        self.stdout.write(self.style.SUCCESS(result.summary()))
