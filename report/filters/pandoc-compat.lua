-- Pandoc render path only: maps the briefing's Markdown dialect (the subset Quarto also understands)
-- onto plain pandoc output, so both render paths show the same thing.
--   * `::: {.callout-note title="..."}` / `.callout-important`: a styled box (HTML: <aside>; Typst: briefing-callout).
--   * `![caption](../build/figures/x.svg){fig-alt="..."}`: alt text from fig-alt, as Quarto does.
--   * image paths are relative to report/; Typst resolves them from the project root.

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind then return kind end
  end
end

function Div(div)
  local kind = callout_kind(div)
  if not kind then return nil end
  local title = div.attributes["title"]
  if FORMAT:match("typst") then
    local open = '#briefing-callout(kind: "' .. kind .. '"'
    if title then open = open .. ', title: [' .. title .. ']' end
    open = open .. ')['
    local blocks = { pandoc.RawBlock("typst", open) }
    for _, b in ipairs(div.content) do table.insert(blocks, b) end
    table.insert(blocks, pandoc.RawBlock("typst", "]"))
    return blocks
  end
  local blocks = {}
  if title then
    table.insert(blocks, pandoc.Div(pandoc.Plain(pandoc.Str(title)), pandoc.Attr("", { "callout-title" })))
  end
  table.insert(blocks, pandoc.Div(div.content, pandoc.Attr("", { "callout-body" })))
  return pandoc.Div(blocks, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }, { role = "note" }))
end

-- "report/../build/x.svg" -> "/build/x.svg" (Typst reads "/..." from the project root).
local function root_relative(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then table.remove(parts) elseif part ~= "." then table.insert(parts, part) end
  end
  return "/" .. table.concat(parts, "/")
end

function Image(img)
  local alt = img.attributes["fig-alt"]
  if alt then
    img.attributes["fig-alt"] = nil
    img.attributes["alt"] = alt
  end
  if FORMAT:match("typst") and not img.src:match("^/") and not img.src:match("^%a+:") then
    img.src = root_relative("report/" .. img.src)
  end
  return img
end
