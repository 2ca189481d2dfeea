"""Settings for the published site (`make publish`): absolute URLs, no drafts."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from pelicanconf import *  # noqa: E402,F403

SITEURL = "https://servicebook.example"
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
PROBLEMS_PANEL = False
# Drafts stay private on the published site.
DRAFT_SAVE_AS = ""
DRAFT_URL = ""
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
