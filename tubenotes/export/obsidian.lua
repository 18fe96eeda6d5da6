-- Obsidian Markdown -> a pandoc document the Typst writer can print safely.
--
-- Safety first: every raw block or inline that reached the AST is shown as
-- code, never passed through, so a note cannot run Typst (#read, #image) or
-- HTML. Only the RawBlocks this filter makes itself reach the Typst writer.
--
-- In an assessment (front matter "type: assessment") a folded "Answer" callout
-- is left out and so is the "Flashcards" section: on paper the answers belong
-- on the answer key's page only, and the cards repeat the questions.
--
-- This file is a chunk that pandoc-worker.lua loads once and calls once per
-- note, so each note starts from fresh state. The call's argument holds:
--   warn            function(message): reports what the filter changed.
--   plain_math      "all" or a list of formula numbers to print as their TeX
--                   source because Typst rejected them.
--   refused_images  image path -> why tubenotes refused it (checks Lua cannot
--                   make, such as symbolic links).
-- The note's header properties are in the document's metadata (set by the worker
-- from the note's own properties, never from a YAML block in the body).
-- It returns the filters, to apply in order.

local options = ...
local warn = options.warn

local LONG_WORD = 60      -- a word longer than this cannot fit a line: break it
local WORD_CHUNK = 30     -- characters between inserted break opportunities
-- SVG is allowed: Typst refuses URLs, absolute and ../ paths inside it, and
-- tubenotes refuses an SVG that links any file at all (see guard.py).
local IMAGE_EXTENSIONS = { png = true, jpg = true, jpeg = true, gif = true, webp = true, svg = true }
local WIDE_TABLE_COLUMNS = 6  -- more columns than this print in smaller type
local BODY_SIZE_PT = 10.5     -- as in style.typ
local SMALLEST_TABLE_SIZE_PT = 6

-- Typst markup for inline content (a callout's title, a tag) that goes into a
-- RawBlock or RawInline this filter makes. Each call of pandoc's Typst writer
-- costs about a millisecond, whatever its length, so the fragments wait as
-- placeholders and the last pass writes them all in one call. The placeholder
-- and the separator carry a random key, which a note cannot guess.
local KEY = string.format("tnfragment%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
local fragments = pandoc.List()

local function typst_of_inlines(inlines)
  fragments:insert(pandoc.Plain(inlines))
  return KEY .. ":" .. #fragments .. ";"
end

local function written_fragments()
  local blocks = pandoc.List()
  for index, fragment in ipairs(fragments) do
    if index > 1 then blocks:insert(pandoc.RawBlock("typst", KEY)) end
    blocks:insert(fragment)
  end
  local written, texts, start = pandoc.write(pandoc.Pandoc(blocks), "typst"), {}, 1
  local separator = "\n" .. KEY .. "\n"
  while true do
    local at = written:find(separator, start, true)
    texts[#texts + 1] = written:sub(start, at and at - 1):gsub("%s+$", "")
    if at == nil then break end
    start = at + #separator
  end
  assert(#texts == #fragments, "the Typst writer's fragments did not split back")
  return texts
end

local function fill_fragments(doc)
  if #fragments == 0 then return nil end
  local texts = written_fragments()
  local function fill(el)
    if el.format ~= "typst" then return nil end
    el.text = el.text:gsub(KEY .. ":(%d+);", function(index) return texts[tonumber(index)] end)
    return el
  end
  return doc:walk({ RawBlock = fill, RawInline = fill })
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
local all_math_plain = options.plain_math == "all"
local plain_math = {}
if not all_math_plain then
  for _, number in ipairs(options.plain_math) do plain_math[number] = true end
end
local formula_number = 0

local refused_images = options.refused_images
local is_assessment = false

local function read_settings(meta)
  is_assessment = meta.type ~= nil and pandoc.utils.stringify(meta.type) == "assessment"
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

-- Pandoc keeps %20 and the like in the source; the Typst writer decodes them.
local function decoded_path(src)
  return (src:gsub("%%(%x%x)", function(hex) return string.char(tonumber(hex, 16)) end))
end

-- An Obsidian embed, `![[Subject/attachments/Name.webp|Caption]]`, names its file from the vault's
-- root; the note's folder is the subject's, so inside it the file is `attachments/Name.webp`.
-- A slide's picture prints at 60% of the text's width: big enough to read, two to a page with their text.
local EMBED_WIDTH = "60%"

local function embedded_picture(el)
  local folder = pandoc.path.filename(pandoc.system.get_working_directory()) .. "/"
  if el.src:sub(1, #folder) == folder then el.src = el.src:sub(#folder + 1) end
  if el.attributes.width == nil then el.attributes.width = EMBED_WIDTH end
end

local function image_problem(src)
  local path = decoded_path(src)
  if is_remote_or_outside(src) or is_remote_or_outside(path) then
    return "points outside the note's folder or to the network"
  end
  if refused_images[path] ~= nil then return refused_images[path] end
  local extension = (path:match("%.(%w+)$") or ""):lower()
  if not IMAGE_EXTENSIONS[extension] then
    return "is not a PNG, JPEG, GIF, WebP or SVG file"
  end
  local file = io.open(path, "rb")
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

-- Obsidian tags: #name with letters, digits, _, - and /, not all digits.
local function tag(el)
  local name, rest = el.text:match("^#([%w_/\128-\255-]+)(%p*)$")
  if name == nil or not name:match("[^%d]") then return nil end
  local label = pandoc.RawInline("typst", "#tn-tag[" .. typst_of_inlines({ pandoc.Str("#" .. name) }) .. "]")
  if rest == "" then return label end
  return { label, pandoc.Str(rest) }
end

local function check_done_tasks(el)
  for _, item in ipairs(el.content) do
    local first = item[1] and item[1].content and item[1].content[1]
    if first ~= nil and first.t == "Str" and first.text == "☒" then first.text = "☑" end
  end
  return el
end

-- A table wider than the page cannot break its cells' words: print it smaller.
local function fit_table(el)
  local columns = #el.colspecs
  if columns <= WIDE_TABLE_COLUMNS then return nil end
  local size = math.max(SMALLEST_TABLE_SIZE_PT, math.floor(BODY_SIZE_PT * WIDE_TABLE_COLUMNS / columns * 10) / 10)
  warn("a table with " .. columns .. " columns was printed in " .. size .. "pt type to fit the page")
  return {
    pandoc.RawBlock("typst", "#block[#set text(size: " .. size .. "pt)"),
    el,
    pandoc.RawBlock("typst", "]"),
  }
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
  return kind:lower(), title, body, fold
end

local function callout(el)
  local kind, title, first_body, fold = callout_header(el.content[1])
  if kind == nil then return nil end
  -- Other folded callouts print open: paper cannot unfold them.
  if is_assessment and fold == "-" and pandoc.utils.stringify(title):lower() == "answer" then return {} end
  if #title == 0 then title = pandoc.List({ pandoc.Str(kind:sub(1, 1):upper() .. kind:sub(2)) }) end
  local blocks = pandoc.List()
  blocks:insert(pandoc.RawBlock("typst",
    '#callout(kind: "' .. kind .. '", title: [' .. typst_of_inlines(title) .. '])['))
  if #first_body > 0 then blocks:insert(pandoc.Para(first_body)) end
  for i = 2, #el.content do blocks:insert(el.content[i]) end
  blocks:insert(pandoc.RawBlock("typst", "]"))
  return blocks
end

-- The answer key's heading in each language of tubenotes/generate/labels.py.
local ANSWER_KEY_HEADINGS = { ["answer key"] = true, ["lösungen"] = true, ["soluciones"] = true, ["corrigé"] = true }

local function is_answer_key(el)
  local text = pandoc.utils.stringify(el.content):lower():gsub("^%s+", ""):gsub("%s+$", "")
  return ANSWER_KEY_HEADINGS[text] == true
end

local function is_flashcards(el)
  return el.t == "Header" and el.level == 2
    and pandoc.utils.stringify(el.content):lower():match("^%s*flashcards%s*$") ~= nil
end

-- The blocks without the "## Flashcards" section (up to the next heading of level 1 or 2).
local function without_flashcards(blocks)
  if not is_assessment then return nil end
  local kept, skipping = pandoc.List(), false
  for _, block in ipairs(blocks) do
    if block.t == "Header" and block.level <= 2 then skipping = is_flashcards(block) end
    if not skipping then kept:insert(block) end
  end
  return kept
end

local obsidian = {
  Link = function(el)
    if el.title == "wikilink" or el.classes:includes("wikilink") then
      return pandoc.Span(el.content)
    end
    -- Only the web is clickable on paper: a file:, javascript: or other link is its text.
    if not el.target:lower():match("^https?://") then
      return pandoc.Span(el.content)
    end
  end,
  Image = function(el)
    -- Obsidian embeds a video from `![](youtube URL)`; on paper it is a link to the video.
    if el.src:match("^https://www%.youtube%.com/watch%?v=") then
      return pandoc.Link({ pandoc.Str("▶ Watch the lecture: " .. el.src) }, el.src)
    end
    local embedded = el.classes:includes("wikilink")
    if embedded then embedded_picture(el) end
    local label = pandoc.utils.stringify(el.caption)
    if label == "" then label = el.src end
    local problem = image_problem(el.src)
    if problem ~= nil then
      warn("image '" .. el.src .. "' " .. problem .. "; printed its description instead")
      return pandoc.Emph({ pandoc.Str("[image: " .. label .. "]") })
    end
    if embedded then return el end
  end,
  -- A figure whose image was replaced keeps only the description, no caption.
  Figure = function(el)
    local has_image = false
    el:walk({ Image = function() has_image = true end })
    if not has_image then return el.content end
  end,
  Str = function(el) return tag(el) or break_long_word(el) end,
  BulletList = check_done_tasks,
  OrderedList = check_done_tasks,
  Table = fit_table,
  BlockQuote = callout,
  Blocks = without_flashcards,
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

-- Pass 5: paragraphs whose first letter is Arabic or Hebrew run right to
-- left, and the others left to right in a right-to-left note, whatever the
-- note's language says.
local RTL_LANGUAGES = { ar = true, fa = true, he = true, ur = true, yi = true, ps = true, sd = true, ug = true }
local RTL_SCRIPTS = {
  { 0x0590, 0x05FF, "he" }, { 0xFB1D, 0xFB4F, "he" },
  { 0x0600, 0x06FF, "ar" }, { 0x0750, 0x077F, "ar" }, { 0x08A0, 0x08FF, "ar" },
  { 0xFB50, 0xFDFF, "ar" }, { 0xFE70, 0xFEFF, "ar" },
}
-- Code points at or above U+00C0 that are punctuation, symbols or marks, not letters.
local NEUTRAL = { { 0x02B0, 0x036F }, { 0x2000, 0x2BFF }, { 0x3000, 0x303F }, { 0xFE00, 0xFE0F }, { 0x1F000, 0x1FAFF } }
local note_is_rtl = false

local function in_ranges(code, ranges)
  for _, range in ipairs(ranges) do
    if code >= range[1] and code <= range[2] then return range end
  end
  return nil
end

-- "ar"/"he" for right-to-left, "ltr", or nil when there is no letter yet.
local function direction_of(text)
  for _, code in utf8.codes(text) do
    local rtl = in_ranges(code, RTL_SCRIPTS)
    if rtl then return rtl[3] end
    if (code < 0x80 and utf8.char(code):match("%a")) or (code >= 0xC0 and not in_ranges(code, NEUTRAL)) then
      return "ltr"
    end
  end
  return nil
end

-- The direction of the first word with a letter, in reading order. Only words
-- count: formulas and code are written left to right in any language.
local function first_direction(inlines)
  for _, el in ipairs(inlines) do
    local found
    if el.t == "Str" then
      found = direction_of(el.text)
    elseif el.t == "Image" then
      found = first_direction(el.caption)
    elseif el.t == "Note" then
      el:walk({ Str = function(s) found = found or direction_of(s.text) end })
    elseif el.content ~= nil then
      found = first_direction(el.content)
    end
    if found ~= nil then return found end
  end
  return nil
end

local function paragraph_direction(el)
  return first_direction(el.content)
end

local function set_direction(el)
  local direction = paragraph_direction(el)
  local setting
  if direction == "ar" or direction == "he" then
    if note_is_rtl then return nil end
    setting = 'lang: "' .. direction .. '"'
  elseif direction == "ltr" and note_is_rtl then
    setting = "dir: ltr"
  else
    return nil
  end
  -- A bare content block scopes the setting; a #block would shrink to its text.
  return { pandoc.RawBlock("typst", "#[#set text(" .. setting .. ")"), el, pandoc.RawBlock("typst", "]") }
end

-- A filter's Meta function runs after its block functions, hence two filters.
local note_direction = {
  Meta = function(meta)
    local language = meta.language and pandoc.utils.stringify(meta.language):lower():match("^%a+") or ""
    note_is_rtl = RTL_LANGUAGES[language] == true
  end,
}

local direction = {
  Para = set_direction,
  Plain = set_direction,
  Header = set_direction,
}

return {
  neutralise, { Meta = read_settings }, mark_math, obsidian, header, note_direction, direction,
  { Pandoc = fill_fragments },
}
