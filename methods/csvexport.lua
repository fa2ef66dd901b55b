description = [[Export datasets (or chains of them) to a CSV file of the job.
`source` is one dataset or an array; with `chain_source` each one's whole previous chain is
exported (back to `previous`'s sources). Columns are `labels` (default: the first dataset's,
sorted). Values are written as the original does: floats as Python's repr, booleans True/False,
datetimes `2020-06-23 12:13:14`, json with sorted keys, strings as their bytes; None as `none_as`
(one string for every column) or `none_as_columns` ({column = string}), else `None` (`null` for
json). With `quote_fields` (default '"'; '' for none) a value is quoted when it holds the
separator or a line break or starts or ends with a quote (`lazy_quotes = false`: always); a
quote inside is doubled. A name ending in `.gz` or holding `.gz.` is gzip compressed
(`compression` level). `sliced` writes one file per slice: the name with a `%d` (`%02d`, ...) for
the slice number, or `name.N`. Slices are formatted in parallel and joined in slice order.]]

options = {
  filename = 'result.csv',  -- `.gz` at the end or `.gz.` inside: compressed
  separator = ',',
  line_separator = '\n',
  labelsonfirstline = true,
  chain_source = false,     -- export each source's chain, back to previous's sources
  quote_fields = '"',       -- '' for none (the original's default)
  lazy_quotes = true,       -- quote only values that need it
  none_as = str,            -- what None becomes in every column (default 'None', json 'null')
  none_as_columns = {[str] = str}, -- the same per column
  labels = {str},           -- the columns, in order (default: all, sorted)
  sliced = false,           -- one file per slice
  compression = 6,          -- gzip level
}
datasets = {{'source'}}
jobs = {'previous'}

function synthesis()
  local sources = datasets.source
  if options.chain_source then
    local stops = jobs.previous and jobs.previous.params.datasets.source or {}
    if jobs.previous and #stops ~= #sources then
      error(('csvexport: chain_source: previous (%s) exported %d sources, this job has %d'):format(
        jobs.previous.id, #stops, #sources), 0)
    end
    local all = {}
    for i, src in ipairs(sources) do
      for _, ds in ipairs(src:chain{stop_ds = stops[i]}) do all[#all + 1] = ds end
    end
    sources = all
  end
  local args = {sources = sources}
  for k, v in pairs(options) do args[k] = v end
  return exax.std.csvexport(args)
end
