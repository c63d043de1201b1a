"""Send every queued notice and every retry whose time has come (run by a timer)."""

from django.core.management.base import BaseCommand

from nuanxin.notices.sending import notices_send_due


class Command(BaseCommand):
    help = "Send queued notices and the retries that fell due."

    def handle(self, *args, **options):
        tried = notices_send_due()
        self.stdout.write(f"{tried} notices tried")
