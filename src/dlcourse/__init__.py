"""dlcourse: the tested code behind the deep-learning course.

Every chapter of the book imports from here; nothing on a page is a private copy of this code.
Modules follow the lectures: `linear` (regression and the normal equation), `device`, `seeding`,
`plot` and `data`, with more modules added chapter by chapter.
"""

from dlcourse.seeding import seed_everything

__all__ = ["seed_everything"]
__version__ = "0.1.0"
