description = 'Returns one part per slice, for merge_auto tests.'
options = {kind = 'counts'}

function analysis(sliceno)
  local k = options.kind
  if k == 'counts' then return {words = {a = 1, [sliceno == 0 and 'b' or 'c'] = 2}, n = sliceno + 1}
  elseif k == 'floats' then return sliceno + 0.5
  elseif k == 'lists' then return {sliceno, sliceno}
  elseif k == 'sets' then return {seen = {x = true, ['s' .. sliceno] = true}}
  elseif k == 'conflict' then return {deep = {name = 'slice' .. sliceno}}
  elseif k == 'nil0' then if sliceno == 0 then return nil end return 5
  end
end

function synthesis(analysis_res)
  local ok, merged = pcall(analysis_res.merge_auto, analysis_res)
  if not ok then return {error = tostring(merged)} end
  return {merged = merged}
end
