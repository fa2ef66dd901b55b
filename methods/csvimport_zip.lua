description = [[Import the members of a zip file from the input directory, one dataset each.
Every member of the zip (directories skipped), or those inside_filenames names, or those whose
full name include_re matches and exclude_re does not (exclude wins), goes through csvimport with
the csvimport options given here (filename is the zip's name; gzip members are decompressed).
Messages name a member as zipname:member.

Dataset names: inside_filenames gives them ({member = 'name'}, or a list of {member, 'name'}
pairs); else the member's name (without directories under strip_dirs) with characters other
than letters, digits, '.', '_' and '-' (and a leading '.') made '_', 'default' made 'default_'
when chaining, and '_' added until it is unique. A member's bad and skipped lines (allow_bad,
comment, ...) go to datasets NAME.bad and NAME.skipped.

chaining: off (each dataset's previous is the `previous` option); on (by_dict with
inside_filenames, else by_ziporder); by_filename (sorted member names); by_dsname (sorted
dataset names); by_dict (the order of inside_filenames: a list of pairs keeps its order, a map
is in sorted member names); by_ziporder (the members' order in the zip). When chaining, or when
only one member is imported, the last dataset is also `default`; naming a dataset other than
the last `default` is an error. A zip with nothing to import is an error. Members with the same
full name in one zip are one member (the last one's contents), unlike the original.

The result is nil, as the original's.]]

options = {
  filename = required(str),  -- the zip, relative to the input directory
  inside_filenames = {},     -- {member = 'dataset name'} or {{member, 'dataset name'}, ...}; empty: all
  chaining = enum('off', 'on', 'by_filename', 'by_dsname', 'by_dict', 'by_ziporder'):default('on'),
  include_re = '',           -- members whose full name this matches (anywhere; use ^$ as needed)
  exclude_re = '',           -- members not to import (wins over include_re)
  strip_dirs = false,        -- name datasets (and sort by_filename) without directories (a/b/c -> c)
  -- csvimport's options:
  separator = ',',
  comment = '',
  newline = '',
  quotes = '"',
  label_lines = int,
  label_encoding = 'utf-8',
  labels = {str},
  strip_labels = false,
  rename = {},
  discard = {},
  lineno_label = '',
  allow_bad = false,
  allow_extra_empty = false,
  skip_lines = 0,
  skip_empty_lines = false,
  compression = 6,
}
datasets = {'previous'}

function synthesis()
  local o = {}
  for k, v in pairs(options) do o[k] = v end
  o.previous = datasets.previous
  return exax.std.csvimport_zip(o)
end
