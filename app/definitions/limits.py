"""How big a definition may be. Far above any honest survey, far below trouble."""

# A file: the largest shipped instrument is about 20 KB.
MAX_FILE_BYTES = 1_000_000
# Lists and mappings inside each other: a survey needs about 12 (pages, questions,
# conditions, translations); composing and checking recurse once per level.
MAX_NESTING = 64
# A number as written: more than this is a mistake, or text that wants quotes.
MAX_NUMBER_LENGTH = 20
