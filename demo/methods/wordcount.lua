description = [[Count the words of a text file in the input directory.
Each analysis slice counts every slices-th line; synthesis merges the counts and
returns them with the most common words first.]]

options = {filename = 'lines.txt', top = 5}

function analysis(sliceno, slices, job)
  local counts, lineno = {}, 0
  for line in io.lines(job:input_filename(options.filename)) do
    if lineno % slices == sliceno then
      for word in line:gmatch('%a+') do counts[word] = (counts[word] or 0) + 1 end
    end
    lineno = lineno + 1
  end
  return counts
end

function synthesis(analysis_res)
  local counts = analysis_res:merge_auto()
  local words = {}
  for word, n in pairs(counts) do words[#words + 1] = {word = word, n = n} end
  table.sort(words, function(a, b) return a.n > b.n or (a.n == b.n and a.word < b.word) end)
  local top, total = {}, 0
  for i, w in ipairs(words) do
    total = total + w.n
    if i <= options.top then top[i] = w end
  end
  return {top = top, distinct = #words, total = total}
end
