"""Pure renderers: a plan to terminal text, Markdown or JSON."""
