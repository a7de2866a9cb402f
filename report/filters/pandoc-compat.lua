-- Maps the briefing's Markdown dialect (report/README.md) onto the page design, for HTML and Typst alike.
-- Both paths run it on pandoc's own AST: the pandoc path directly, Quarto at its `pre-ast` entry point
-- (_quarto.yml), before Quarto turns callouts and figures into its own nodes.
--
--   * `::: {.callout-note title="..."}` / `.callout-important`: a styled box
--       (HTML: <div class="briefing-callout briefing-callout-note" role="note">, class names Quarto does not
--       take for its own callouts; Typst: #briefing-callout).
--   * `::: {.key-findings}`, or else the section headed `## Key findings {#key-findings}`: the summary panel
--       (HTML: <div class="key-findings">; Typst: #briefing-key-findings).
--   * the sections headed `{#methods}` and `{#provenance}`: appendices (HTML: <div class="appendix">;
--       Typst: #briefing-appendix).
--   * `![Headline](../build/figures/x.svg){fig-alt="..."}`, its note ("Question: ..." / "Base: ...") then
--       "Source: ...": the image's alt text comes from fig-alt, as in Quarto; in Typst the figure, its headline,
--       its note and its source line are one unbreakable block with the alt text on the image (PDF/UA needs
--       it); in Word the note is kept with the source line (style "Figure Note").
--   * a paragraph that starts "Source:" (under a chart or a table): the source line style.
--   * Typst (pandoc path): image paths are made root-relative ("/build/..."); Typst resolves them from the
--       project root given to typst.compile.
--   * text is text (src/briefing/narrative/escape.py escapes what the data say; this mends what pandoc's writers
--       leave): in Typst, `-?` and `...` are printed as typed, not read as a soft hyphen and an ellipsis; in Typst
--       and Word, a long run of characters with nowhere to break (a 600-letter "word") gets invisible break
--       opportunities (U+200B), so it wraps instead of running off the page. HTML wraps it by CSS (briefing.css).

local in_quarto = type(quarto) == "table"
local is_typst = FORMAT:match("typst") ~= nil
local is_docx = FORMAT:match("docx") ~= nil

local KEY_FINDINGS_ID = "key-findings"
local APPENDIX_IDS = { methods = true, provenance = true }  -- "About this briefing", "How this briefing was built"

-- --- helpers ------------------------------------------------------------------------------------------------

local function has_class(el, name)
  for _, class in ipairs(el.classes or {}) do
    if class == name then return true end
  end
  return false
end

local function raw(text) return pandoc.RawBlock("typst", text) end

-- Typst markup for inline or block content, through pandoc's own Typst writer (so escaping is pandoc's).
local function typst_blocks(blocks)
  return (pandoc.write(pandoc.Pandoc(blocks), "typst"):gsub("%s+$", ""))
end

local function typst_inlines(inlines)
  return typst_blocks({ pandoc.Plain(inlines) })
end

-- A Typst string literal.
local function typst_string(text)
  return '"' .. text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("\n", " ") .. '"'
end

-- "report/../build/x.svg" -> "/build/x.svg" (Typst reads "/..." from the project root).
local function root_relative(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then table.remove(parts) elseif part ~= "." then table.insert(parts, part) end
  end
  return "/" .. table.concat(parts, "/")
end

local function image_source(src)
  -- Quarto writes its .typ beside the .qmd, so there the relative path already works.
  if is_typst and not in_quarto and not src:match("^/") and not src:match("^%a+:") then
    return root_relative("report/" .. src)
  end
  return src
end

local function is_source_line(block)
  if not block or block.t ~= "Para" then return false end
  local first = block.content[1]
  return first ~= nil and first.t == "Str" and first.text == "Source:"
end

-- The note under a chart: the question asked and its base ("Question: ...", "Base: ...", narrative/captions.py).
local function is_figure_note(block)
  if not block or block.t ~= "Para" then return false end
  local first = block.content[1]
  return first ~= nil and first.t == "Str" and (first.text == "Question:" or first.text == "Base:")
end

local function note_div(para)
  return pandoc.Div({ para }, pandoc.Attr("", { "figure-note" }, { ["custom-style"] = "Figure Note" }))
end

local function source_div(para)
  return pandoc.Div({ para }, pandoc.Attr("", { "source" }, { ["custom-style"] = "Source Line" }))
end

local function wrap(blocks, typst_function, html_class)
  if is_typst then
    local out = { raw("#" .. typst_function .. "[") }
    for _, b in ipairs(blocks) do table.insert(out, b) end
    table.insert(out, raw("]"))
    return out
  end
  return { pandoc.Div(blocks, pandoc.Attr("", { html_class })) }
end

-- --- text is text -------------------------------------------------------------------------------------------

local LONG_RUN = 30     -- characters in a run with no space, hyphen or slash before it gets break opportunities
local BREAK_EVERY = 15  -- ... one every this many characters
local ZWSP = "\u{200B}"

local function breakable(run)
  if utf8.len(run) < LONG_RUN then return run end
  local out, count = {}, 0
  for _, code in utf8.codes(run) do
    if count == BREAK_EVERY then table.insert(out, ZWSP); count = 0 end
    table.insert(out, utf8.char(code))
    count = count + 1
  end
  return table.concat(out)
end

-- Typst shorthands pandoc's Typst writer does not escape: `-?` (soft hyphen) and `...` (ellipsis).
local function typst_shorthands_escaped(str)
  local typst = typst_inlines({ str }):gsub("%-%?", "-\\?"):gsub("%.%.%.", ".\\.\\.")
  return pandoc.RawInline("typst", typst)
end

local function literal_text(str)
  -- (fewer bytes than LONG_RUN: no run that long, and most words are; the search only where one could be)
  local text = #str.text < LONG_RUN and str.text or str.text:gsub("[^%s%-/]+", breakable)
  if is_typst and (text:find("-?", 1, true) or text:find("...", 1, true)) then
    return typst_shorthands_escaped(pandoc.Str(text))
  end
  return text ~= str.text and pandoc.Str(text) or nil
end

-- --- images and figures -------------------------------------------------------------------------------------

local function fix_image(img)
  local alt = img.attributes["fig-alt"]
  if alt then
    img.attributes["fig-alt"] = nil
    img.attributes["alt"] = alt
  end
  img.src = image_source(img.src)
  if is_docx then
    img.src = img.src:gsub("%.svg$", ".png")  -- Word: the chart's PNG twin (charts.py)
    if alt then img.caption = pandoc.Inlines({ pandoc.Str(alt) }) end  -- Word's alt text (descr) is the image's text
  end
  return img
end

-- The one image inside a figure, if it is that simple.
local function figure_image(fig)
  local found
  fig:walk({ Image = function(img) found = img end })
  return found
end

-- A Typst call whose content arguments are the document's own inlines, set between raw Typst pieces: pandoc's
-- writer escapes them where they stand (one pass over the document, not a writer run per argument).
local function typst_call(pieces)
  local inlines = pandoc.Inlines({})
  for _, piece in ipairs(pieces) do
    if type(piece) == "string" then inlines:insert(pandoc.RawInline("typst", piece)) else inlines:extend(piece) end
  end
  return pandoc.Plain(inlines)
end

local function typst_figure(fig, note, source)
  local img = figure_image(fig)
  if not img then return nil end
  local alt = img.attributes["alt"] or img.attributes["fig-alt"] or pandoc.utils.stringify(img.caption)
  local pieces = { "#briefing-figure(\n  title: [", fig.caption.long[1] and fig.caption.long[1].content or {} }
  if note then
    pieces[#pieces + 1] = "],\n  note: ["
    pieces[#pieces + 1] = note.content
  end
  if source then
    pieces[#pieces + 1] = "],\n  source: ["
    pieces[#pieces + 1] = source.content
  end
  -- at the size the chart was drawn (charts.py: WIDTH_IN), so its text prints at its point size
  pieces[#pieces + 1] = "],\n  image(" .. typst_string(image_source(img.src)) .. ", alt: " .. typst_string(alt) .. "),\n)"
  return typst_call(pieces)
end


-- Word has no style sheet counter: "Figure n: " goes into the caption itself, as the PDF and HTML show it.
local figures_seen = 0
local function number_figure(fig)
  local first = fig.caption.long[1]
  if not first then return end
  figures_seen = figures_seen + 1
  first.content:insert(1, pandoc.Str("Figure " .. figures_seen .. ": "))
end

-- --- the data beside the briefing (HTML) --------------------------------------------------------------------

-- "Data for Figure 3 (CSV)": each chart's and table's numbers as a CSV file beside the briefing, with the same
-- suppression (publication/data_files.py writes them: fig_<id>.csv from the chart's record, table-<n>.csv from
-- the page's n-th table).
local function data_link(name, file)
  return pandoc.Para({ pandoc.Link({ pandoc.Str("Data for " .. name .. " (CSV)") }, file) })
end

local function chart_file(fig)
  local img = figure_image(fig)
  local stem = img and img.src:match("([^/]+)%.%a+$")
  return stem and (stem .. ".csv") or nil
end

local html_figures = 0

-- --- tables ---------------------------------------------------------------------------------------------------

-- Pipe tables get column widths from their dash counts once a row is long, which squeezes the first (label)
-- column. In the PDF the figures' columns take their natural width and the label column the rest (1fr); in
-- HTML the browser sizes the columns from their content.
local tables_seen = 0
local word_tables = 0

local function fix_table(tbl)
  for k, spec in ipairs(tbl.colspecs) do
    tbl.colspecs[k] = { spec[1], (is_typst and k == 1) and 0.5 or nil }
  end
  if not is_typst then
    -- On a narrow screen a wide table scrolls sideways inside its own box (reachable by keyboard), not the page.
    -- Its name matches the "Table n: headline" the style sheet shows, and tells the boxes apart.
    tables_seen = tables_seen + 1
    local caption = pandoc.utils.stringify(tbl.caption.long or {})
    local name = "Table " .. tables_seen .. (caption ~= "" and (": " .. caption) or "")
    if is_docx and tbl.caption.long[1] and not tbl.attributes["numbered"] then  -- Word: no style sheet counter,
      word_tables = word_tables + 1                                            -- so the number goes in the caption
      tbl.attributes["numbered"] = "true"  -- (guards against numbering a table twice)
      tbl.caption.long[1].content:insert(1, pandoc.Str("Table " .. word_tables .. ": "))
    end
    -- Attributes as an ordered list of pairs: a Lua table's hash order varies from run to run (stable bytes).
    local attributes = { { "tabindex", "0" }, { "role", "region" }, { "aria-label", name } }
    local box = pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }, attributes))
    if is_docx then return box end
    local data = data_link("Table " .. tables_seen, "table-" .. tables_seen .. ".csv")
    if caption == "" then return pandoc.Blocks({ box, data }) end
    -- HTML: on a phone a wide table scrolls in its box, and its caption with it; so there the caption is shown
    -- above the box instead (briefing.css), a copy hidden from assistive technology, which reads the caption.
    local title = pandoc.Div({ pandoc.Plain(pandoc.utils.blocks_to_inlines(tbl.caption.long)) },
      pandoc.Attr("", { "table-title" }, { { "aria-hidden", "true" } }))
    return pandoc.Blocks({ title, box, data })
  end
  local typst = typst_blocks({ tbl }):gsub("columns: %(50%%,", "columns: (1fr,", 1)
  return raw(typst)
end

-- --- callouts -------------------------------------------------------------------------------------------------

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind then return kind end
  end
end

local function callout(div, kind)
  local title = div.attributes["title"]
  if is_typst then
    local open = '#briefing-callout(kind: "' .. kind .. '"'
    if title then open = open .. ", title: [" .. typst_inlines(pandoc.Inlines(title)) .. "]" end
    local blocks = { raw(open .. ")[") }
    for _, b in ipairs(div.content) do table.insert(blocks, b) end
    table.insert(blocks, raw("]"))
    return blocks
  end
  local blocks = {}
  -- Word: the reference document's boxed styles (publication/docx.py), the title kept with the text
  local title_style = is_docx and { { "custom-style", "Notice Title" } } or {}
  local body_style = is_docx and { { "custom-style", "Notice" } } or {}
  if title then
    table.insert(blocks, pandoc.Div(pandoc.Plain(pandoc.Str(title)), pandoc.Attr("", { "briefing-callout-title" }, title_style)))
  end
  table.insert(blocks, pandoc.Div(div.content, pandoc.Attr("", { "briefing-callout-body" }, body_style)))
  local classes = { "briefing-callout", "briefing-callout-" .. kind }
  return { pandoc.Div(blocks, pandoc.Attr(div.identifier, classes, { { "role", "note" } })) }
end

-- --- walking the document -------------------------------------------------------------------------------------

local transform_blocks

-- A section: the header at blocks[i] and what follows it up to the next header of the same or a higher level.
local function section_end(blocks, i)
  local level = blocks[i].level
  local j = i + 1
  while j <= #blocks and not (blocks[j].t == "Header" and blocks[j].level <= level) do j = j + 1 end
  return j - 1
end

local function slice(blocks, from, to)
  local out = pandoc.Blocks({})
  for k = from, to do out:insert(blocks[k]) end
  return out
end

transform_blocks = function(blocks, inside_panel)
  local out = pandoc.Blocks({})
  local i = 1
  while i <= #blocks do
    local b = blocks[i]
    if b.t == "Div" then
      local kind = callout_kind(b)
      if has_class(b, "key-findings") and inside_panel then
        out:extend(transform_blocks(b.content, true))  -- already inside the panel (the section made it)
      elseif has_class(b, "key-findings") then
        out:extend(wrap(transform_blocks(b.content, true), "briefing-key-findings", "key-findings"))
      elseif kind then
        out:extend(callout(pandoc.Div(transform_blocks(b.content, inside_panel), b.attr), kind))
      else
        b.content = transform_blocks(b.content, inside_panel)
        out:insert(b)
      end
      i = i + 1
    elseif b.t == "Header" and not inside_panel and (b.identifier == KEY_FINDINGS_ID or APPENDIX_IDS[b.identifier]) then
      local last = section_end(blocks, i)
      local body = transform_blocks(slice(blocks, i, last), true)
      if b.identifier == KEY_FINDINGS_ID then
        out:extend(wrap(body, "briefing-key-findings", "key-findings"))
      else
        out:extend(wrap(body, "briefing-appendix", "appendix"))
      end
      i = last + 1
    elseif b.t == "Figure" then
      -- the chart, the note under it (its question and base) and its source line travel together
      local note = is_figure_note(blocks[i + 1]) and blocks[i + 1] or nil
      local after = i + (note and 2 or 1)
      local source = is_source_line(blocks[after]) and blocks[after] or nil
      local following = after + (source and 1 or 0)
      if is_docx then number_figure(b) end
      local typst = is_typst and typst_figure(b, note, source)
      if typst then
        out:insert(typst)
      elseif is_docx or not chart_file(b) then  -- Word: "Figure Note" is kept with the source line under it
        out:insert(b)
        if note then out:insert(note_div(note)) end
        if source then out:insert(source_div(source)) end
      else  -- HTML: the figure, its note and source line, then the link to its data
        html_figures = html_figures + 1
        out:insert(b)
        if note then out:insert(note_div(note)) end
        if source then out:insert(source_div(source)) end
        out:insert(data_link("Figure " .. html_figures, chart_file(b)))
      end
      i = following
    elseif is_source_line(b) then
      if is_typst then
        out:insert(typst_call({ "#briefing-source[", b.content, "]" }))
      else
        out:insert(source_div(b))
      end
      i = i + 1
    else
      out:insert(b)
      i = i + 1
    end
  end
  return out
end

-- The only global filter function: pandoc would otherwise run global Image/Table functions over the document
-- and this walk would run them again (a table wrapped twice in two scroll regions).
function Pandoc(doc)
  -- Text, images (alt text, paths) and tables first, the title block's text too; then the block structure.
  -- (HTML: no text function at all, so pandoc hands no word of the document to Lua for it)
  doc = doc:walk({ Str = (is_typst or is_docx) and literal_text or nil, Image = fix_image, Table = fix_table })
  local blocks = transform_blocks(doc.blocks, false)
  doc.blocks = blocks
  return doc
end
