"""``python -m dlcourse.transfer --retrain``: see ``dlcourse.transfer.cli.main``."""

from dlcourse.transfer.cli import main

if __name__ == "__main__":
    main()
