"""What our plugins hand each other, declared here as signals (blinker, as Pelican's own).

fixed_outputs(generator) -> {save_as: description}
    Pages a plugin writes itself (the casebook's), asked for by content_checks once every
    generator has its content and before anything is written: a post or page that would be
    written over one of them stops the build with a message naming both.

headers_checked_elsewhere(settings) -> folder
    A folder of the content (relative to PATH) whose files' dates and field names another
    plugin checks itself (the casebook, against its schema): content_checks leaves those
    two checks to it, so an author gets one message per mistake.

content_refreshed(content, context=context)
    A post, page or case story was re-read alone, outside a whole build (`make serve`'s
    quick page, servicebook.quick_page): `content` is a copy of the last build's object with
    the new body (or, once the last build has written every page, the last build's object
    itself, changed in place: its new header fields and text, what the build gave it after
    reading kept). A plugin that gives contents something derived from their body (reading
    time, image copies and the preview image) gives it to this one content too, removing what
    no longer applies; it raises when it cannot, and the page waits for the whole rebuild.
    (What other contents keep of this one's header, the writer forgets before it writes the
    pages that show them again: servicebook.writing.AtomicWriter.write_again.)

content_reused(content)
    `make serve` made `content` from the last build's read of its source, unchanged since
    (servicebook.kept_content): it has the state `content_object_init` left, without the
    signal. A plugin that notes per build what it did on `content_object_init` notes it here.

writer_made(writer)
    The build's writer (servicebook.writing.AtomicWriter) was made, before anything is
    written: `make serve` keeps it, with its list of the outputs it writes (KEEP_OUTPUTS).

search_index_changed(recent_index)
    `make serve`: what the search finds changed (servicebook.recent_index), after the build
    that changed it was announced; the dev server reloads the open search pages.
"""

from blinker import signal

fixed_outputs = signal("servicebook.fixed_outputs")
headers_checked_elsewhere = signal("servicebook.headers_checked_elsewhere")
content_refreshed = signal("servicebook.content_refreshed")
content_reused = signal("servicebook.content_reused")
writer_made = signal("servicebook.writer_made")
search_index_changed = signal("servicebook.search_index_changed")
