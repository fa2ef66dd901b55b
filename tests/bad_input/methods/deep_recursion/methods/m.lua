local function f(n) return 1 + f(n + 1) end
function synthesis(job) return f(1) end
