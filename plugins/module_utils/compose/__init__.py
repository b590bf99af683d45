# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compose projects, along compose's own seams: reading the files (source, merge, values, schema),
the normalised project (model, graph), compose's labels and names (labels), the Engine API bodies
(convert), the plan (plan), carrying it out (options, images, apply, run) and reporting (info).
See docs/architecture.md."""
