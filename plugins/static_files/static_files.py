"""A static file deleted from the content (or no longer a static file) is deleted from the
output by the next build, as a clean build would not have it. Pelican copies static files
but never removes one; see servicebook.outputs_made.
"""

import os

from pelican import signals

from servicebook.outputs_made import settle

RECORD_NAME = "static-files.json"
# This build's static files, by output folder, from the static generator to `finalized`.
_static_files = {}


def note_static_files(generator):
    """static_generator_finalized: the static files this build copies. Their addresses are
    read at the end: reading one fixes it, and an {attach} link may still move the file."""
    _static_files[os.path.abspath(generator.output_path)] = (generator.path, generator.staticfiles)


def remove_deleted(pelican):
    """finalized: every static file is copied (and the images plugin's clean copies are in).
    A link to a missing file makes a static file too, which Pelican cannot copy."""
    noted = _static_files.pop(os.path.abspath(pelican.output_path), None)
    if noted is not None:
        root, statics = noted
        made = [static.save_as for static in statics if os.path.isfile(os.path.join(root, static.source_path))]
        settle(pelican.settings, RECORD_NAME, made)


def register():
    signals.static_generator_finalized.connect(note_static_files)
    signals.finalized.connect(remove_deleted)
