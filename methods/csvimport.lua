description = [[Import a CSV file from the input directory into a dataset.
Reads a CSV file (gzip compressed or not: it is told by its content), with any single
iso-8859-1 character as separator (including '\0'), or '' for one field per line; with or
without quotes; any single character as newline, or '' for both \n and \r\n. Labels come from
the first line (label_lines lines, joined by spaces) or the `labels` option. Every column is of
type bytes; type them with dataset_type.

Data lines go round robin over the slices: data line n (counting from 0, bad lines included,
skipped lines not) goes to slice n % slices.

A field that starts with a quote ends at the quote followed by the separator or the end of the
line; a quote inside is written twice. Unlike the original, quotes = '"' by default (the
original's default is no quoting), so that what csvexport writes by default reads back; a quoted
field may hold newlines (RFC 4180), and a quote that is never closed is an error naming the line
where it opens. quotes = '' reads quote characters as data, as the original does by default.

With allow_bad, lines with the wrong number of fields or bad quotes go to a dataset `bad`
(columns lineno, data) instead of failing the job. With comment, skip_lines or
skip_empty_lines, the lines skipped go to a dataset `skipped` (lineno, data), round robin of
their own. lineno_label adds a column with each line's number (from 1).

The result is {num_lines, lines_per_slice, num_broken_lines, broken_lines_per_slice,
num_skipped_lines, skipped_lines_per_slice}.]]

options = {
  filename = required(str),  -- relative to the input directory
  separator = ',',           -- one iso-8859-1 character, or '' for one field per line
  comment = '',              -- lines starting with this character are skipped
  newline = '',              -- '' is \n or \r\n; or any one character
  quotes = '"',              -- '' or 'False': none; 'True': both ' and "; or the quote character
  label_lines = int,         -- lines of labels (joined by spaces); default 1, 0 when `labels` is set
  label_encoding = 'utf-8',  -- of labels read from the file: utf-8 or iso-8859-1
  labels = {str},            -- the column names (when set, label lines are read and ignored)
  strip_labels = false,      -- trim spaces around labels (before rename)
  rename = {},               -- {old = 'new'} labels (before discard)
  discard = {},              -- labels not to import
  lineno_label = '',         -- a column (int64) with each line's number, if set
  allow_bad = false,         -- bad lines go to the `bad` dataset instead of failing
  allow_extra_empty = false, -- a line may have extra empty fields at the end
  skip_lines = 0,            -- lines to skip at the start (before the labels)
  skip_empty_lines = false,  -- skip empty lines (else they are bad unless there is one column)
  compression = 6,           -- accepted for compatibility; exax's datasets are not gzipped
}
datasets = {'previous'}

function synthesis()
  local o = {}
  for k, v in pairs(options) do o[k] = v end
  o.previous = datasets.previous
  return exax.std.csvimport(o)
end
