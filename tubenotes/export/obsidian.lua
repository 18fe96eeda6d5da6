-- Obsidian Markdown -> a pandoc document the Typst writer can print safely.
--
-- Safety first: every raw block or inline that reached the AST is shown as
-- code, never passed through, so a note cannot run Typst (#read, #image) or
-- HTML. Only the RawBlocks this filter makes itself reach the Typst writer.
--
-- Metadata read (set by tubenotes with -M):
--   tubenotes-plain-math  "all" or comma-separated formula numbers to print
--                         as their TeX source because Typst rejected them.
-- Warnings go to stderr as "tubenotes-warning: ..." lines.

local LONG_WORD = 60      -- a word longer than this cannot fit a line: break it
local WORD_CHUNK = 30     -- characters between inserted break opportunities
local IMAGE_EXTENSIONS = { png = true, jpg = true, jpeg = true, gif = true, webp = true }

local function warn(message)
  io.stderr:write("tubenotes-warning: " .. (message:gsub("[\r\n]+", " ")) .. "\n")
end

local function typst_of_inlines(inlines)
  return pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst"):gsub("%s+$", "")
end

-- Pass 1: neutralise raw content from the note.
local neutralise = {
  RawBlock = function(el)
    warn("a raw " .. el.format .. " block was printed as code, not executed")
    return pandoc.CodeBlock(el.text)
  end,
  RawInline = function(el)
    return pandoc.Code(el.text)
  end,
}

-- Pass 2: number the formulas and print the rejected ones as TeX source.
local plain_math = {}
local all_math_plain = false
local formula_number = 0

local function read_plain_math(meta)
  local setting = meta["tubenotes-plain-math"]
  if setting == nil then return end
  setting = pandoc.utils.stringify(setting)
  if setting == "all" then
    all_math_plain = true
  else
    for number in setting:gmatch("%d+") do plain_math[tonumber(number)] = true end
  end
end

local mark_math = {
  Math = function(el)
    formula_number = formula_number + 1
    if all_math_plain or plain_math[formula_number] then
      return pandoc.Code(el.text)
    end
    -- The marker lets tubenotes find which formula a Typst error points at.
    return { pandoc.RawInline("typst", "/*tn-math-" .. formula_number .. "*/"), el }
  end,
}

-- Pass 3: Obsidian syntax.
local function is_remote_or_outside(src)
  return src:match("^%a[%w+.-]*:") or src:match("^/") or src:match("^\\")
    or src:match("%.%.") or src:match("^~")
end

local function image_problem(src)
  if is_remote_or_outside(src) then
    return "points outside the note's folder or to the network"
  end
  local extension = (src:match("%.(%w+)$") or ""):lower()
  if not IMAGE_EXTENSIONS[extension] then
    return "is not a PNG, JPEG, GIF or WebP file"
  end
  local file = io.open(src, "rb")
  if file == nil then return "is missing" end
  file:close()
  return nil
end

local function break_long_word(el)
  local length = utf8.len(el.text)
  if length == nil or length <= LONG_WORD then return nil end
  local pieces, count = {}, 0
  for _, code in utf8.codes(el.text) do
    pieces[#pieces + 1] = utf8.char(code)
    count = count + 1
    if count % WORD_CHUNK == 0 then pieces[#pieces + 1] = "\u{200B}" end
  end
  warn("a " .. length .. "-character word was broken across lines")
  return pandoc.Str(table.concat(pieces))
end

local function callout_header(block)
  if block == nil or (block.t ~= "Para" and block.t ~= "Plain") then return nil end
  local first = block.content[1]
  if first == nil or first.t ~= "Str" then return nil end
  local kind, fold = first.text:match("^%[!([%w-]+)%]([-+]?)$")
  if kind == nil then return nil end
  local title, body, in_title = pandoc.List(), pandoc.List(), true
  for i = 2, #block.content do
    local el = block.content[i]
    if in_title and (el.t == "SoftBreak" or el.t == "LineBreak") then
      in_title = false
    elseif in_title then
      title:insert(el)
    else
      body:insert(el)
    end
  end
  while title[1] and title[1].t == "Space" do title:remove(1) end
  return kind:lower(), title, body
end

local function callout(el)
  local kind, title, first_body = callout_header(el.content[1])
  if kind == nil then return nil end
  if #title == 0 then title = pandoc.List({ pandoc.Str(kind:sub(1, 1):upper() .. kind:sub(2)) }) end
  local blocks = pandoc.List()
  blocks:insert(pandoc.RawBlock("typst",
    '#callout(kind: "' .. kind .. '", title: [' .. typst_of_inlines(title) .. '])['))
  if #first_body > 0 then blocks:insert(pandoc.Para(first_body)) end
  for i = 2, #el.content do blocks:insert(el.content[i]) end
  blocks:insert(pandoc.RawBlock("typst", "]"))
  return blocks
end

local function is_answer_key(el)
  return pandoc.utils.stringify(el.content):lower():match("^%s*answer key%s*$") ~= nil
end

local obsidian = {
  Link = function(el)
    if el.title == "wikilink" or el.classes:includes("wikilink") then
      return pandoc.Span(el.content)
    end
  end,
  Image = function(el)
    local label = pandoc.utils.stringify(el.caption)
    if label == "" then label = el.src end
    local problem = image_problem(el.src)
    if problem ~= nil then
      warn("image '" .. el.src .. "' " .. problem .. "; printed its description instead")
      return pandoc.Emph({ pandoc.Str("[image: " .. label .. "]") })
    end
  end,
  -- A figure whose image was replaced keeps only the description, no caption.
  Figure = function(el)
    local has_image = false
    el:walk({ Image = function() has_image = true end })
    if not has_image then return el.content end
  end,
  Str = break_long_word,
  BlockQuote = callout,
  Header = function(el)
    if is_answer_key(el) then
      return { pandoc.RawBlock("typst", "#pagebreak(weak: true)"), el }
    end
  end,
}

-- Pass 4: the front matter header.
local function same_text(a, b)
  return pandoc.utils.stringify(a) == pandoc.utils.stringify(b)
end

local header = {
  Pandoc = function(doc)
    local title = doc.meta.title
    local first = doc.blocks[1]
    if title ~= nil and first ~= nil and first.t == "Header" and first.level == 1
        and same_text(first.content, title) then
      doc.blocks:remove(1)
    end
    local source = doc.meta.source and pandoc.utils.stringify(doc.meta.source) or ""
    if source:match("^https?://") then
      doc.meta.source = pandoc.MetaInlines({ pandoc.Link(source, source) })
    end
    return doc
  end,
}

return { neutralise, { Meta = read_plain_math }, mark_math, obsidian, header }
