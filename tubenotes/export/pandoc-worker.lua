-- A long-lived pandoc that converts notes to Typst markup, one request at a time.
--
-- Run as `pandoc lua pandoc-worker.lua READER_FORMAT TEMPLATE FILTER`. Starting
-- pandoc and its 64 MB heap for each note cost as much as converting it; one
-- process per export thread pays that once.
--
-- Requests and replies are JSON texts, each after a line with its length in
-- bytes. A request: {markdown, folder, plain_math, refused_images, header}, the
-- header being the note's own properties as plain strings (never read from the
-- Markdown, where a YAML block could come from anywhere). A reply:
-- {typst, warnings, bad_tex} or {error}. The note's folder becomes the working
-- directory while it converts, so the filter checks images where the note is.

local reader_format, template_path, filter_path = arg[1], arg[2], arg[3]

local function read_file(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("a")
  file:close()
  return text
end

local template = pandoc.template.compile(read_file(template_path))
local make_filters = assert(loadfile(filter_path))

local function convert(request)
  local warnings = {}
  local filters = make_filters({
    warn = function(message) warnings[#warnings + 1] = message end,
    plain_math = request.plain_math,
    refused_images = request.refused_images,
  })
  local logged = #PANDOC_STATE.log
  local typst = pandoc.system.with_working_directory(request.folder, function()
    -- An empty list of files the reader may read: the sandbox of --sandbox.
    local doc = pandoc.read(request.markdown, reader_format, {}, {})
    for key, value in pairs(request.header) do doc.meta[key] = pandoc.MetaString(value) end
    for _, filter in ipairs(filters) do doc = doc:walk(filter) end
    return pandoc.write(doc, "typst", { template = template, wrap_text = "wrap-preserve" })
  end)
  local bad_tex = {}
  for index = logged + 1, #PANDOC_STATE.log do
    local entry = pandoc.json.decode(pandoc.json.encode(PANDOC_STATE.log[index]), false)
    if entry.type == "CouldNotConvertTeXMath" then bad_tex[#bad_tex + 1] = entry.contents end
  end
  return { typst = typst, warnings = warnings, bad_tex = bad_tex }
end

while true do
  local header = io.read("l")
  if header == nil then break end  -- tubenotes closed the pipe: done
  local request = pandoc.json.decode(io.read(tonumber(header)), false)
  local ok, reply = pcall(convert, request)
  if not ok then reply = { error = tostring(reply) } end
  local text = pandoc.json.encode(reply)
  io.write(#text, "\n", text)
  io.flush()
end
