---@meta
-- `status(msg)`: a message in the status tree (CTRL+T in `exax run`, `exax status`) while a
-- scope runs, in methods and build scripts alike.

---The handle `status(msg)` returns: call it to change the message (`update('task 3')`, about
---20 ns a call, fine in a hot loop). Close it to remove the message: declare it
---`local update <close> = status('loading')` (removed when the scope ends, also by an error);
---calling it after the close does nothing.
---@class exax.StatusUpdate
---@overload fun(msg: string|number)

---Shows `msg` in the status tree until the returned handle is closed, or, with `fn`, while
---`fn(update)` runs (then returns what `fn` returns).
---```lua
---local update <close> = status('loading')
---for i, task in ipairs(tasks) do update('task ' .. i) end
---status('sorting', function(update) ... end)
---```
---@param msg string|number
---@return exax.StatusUpdate
---@overload fun(msg: string|number, fn: fun(update: exax.StatusUpdate): any): any
function status(msg) end
