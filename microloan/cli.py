"""The ``microloan`` console script: Django's manage.py under the project's own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["microloan", *sys.argv[1:]])


if __name__ == "__main__":
    main()
