"""Writing the files that Pelican's templates do not make (feeds) through the build's writer.

A writer that can leave an output as it is when nothing it is made from changed (the
render_cache plugin's) is a ReusingWriter; with any other writer, the file is written on
every build. Plugins that write such files call `write_generated`.
"""

from pathlib import Path

from pelican.writers import Writer


class ReusingWriter(Writer):
    """A Pelican writer that reuses unchanged outputs (see plugins/render_cache)."""

    def write_generated(self, output_file, inputs, render, context):
        """Write `render()` to `output_file` (relative to the output) unless `inputs` (what
        it is made from) are those of the last build; return the file's path."""
        raise NotImplementedError


def write_generated(writer, output_path, output_file, inputs, render, context):
    """Write `render()` to `output_file` with `writer`, reusing the last build's file when the
    writer can; `output_path` is the build's output folder."""
    if isinstance(writer, ReusingWriter):
        return writer.write_generated(output_file, inputs, render, context)
    target = Path(output_path) / output_file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8")
    return target
