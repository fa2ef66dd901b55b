description = [[Type text columns (bytes, ascii, unicode) of a dataset by the original's type names.
column2type maps each column to a type name: int32_10 int64_10 (also _0 _8 _16, and int64_10i
etc. that ignore what follows the number), float32 float64 (float64i ...), number, number:int,
strbool, floatbool, floatbooli, bytes, bytesstrip, ascii (:replace :encode :strict, asciistrip),
unicode:utf-8 (latin-1, ascii; /strict /replace /ignore; unicodestrip), json, date:FMT,
datetime:FMT, time:FMT (strptime formats; datei: datetimei: timei: ignore what follows). NAME+None
(int64_10+None, date+None:%Y) reads an empty value as None. A value that does not parse takes
its `defaults` entry (a string, or false for None), else goes with its line to the `bad`
dataset under filter_bad, else fails the job naming column, slice, line and value.
Columns not typed are kept (linked, not copied) unless discard_untyped; `rename` renames
columns first. A typed hashlabel, or a new `hashlabel`, re-partitions the rows ('' drops it).
Types `source` and the datasets before it back to the source of `previous` (at most `length`).
The result is {lines = lines written, bad_lines = n, defaulted = {column = n}}.]]

options = {
  column2type = {[str] = str},  -- column name -> type name
  defaults = {},                -- column name -> text to use when a value does not parse (false: None)
  rename = {[str] = str},       -- old name -> new name, before typing
  caption = 'typed dataset',
  discard_untyped = false,      -- drop the columns column2type does not name
  filter_bad = false,           -- lines with a bad value go to the `bad` dataset
  numeric_comma = false,        -- ',' is the decimal separator (and '.' is not)
  hashlabel = str,              -- nil: keep the source's; '': none; a name: re-partition on it
  length = -1,                  -- how many datasets of the chain to type (-1: back to previous's source)
}
datasets = {'source', 'previous'}  -- source is required

function synthesis()
  return exax.std.dataset_type{
    column2type = options.column2type, defaults = options.defaults, rename = options.rename,
    caption = options.caption, discard_untyped = options.discard_untyped,
    filter_bad = options.filter_bad, numeric_comma = options.numeric_comma,
    hashlabel = options.hashlabel, length = options.length,
    source = datasets.source, previous = datasets.previous,
  }
end
