-- HTML: each chart sits in its own box, which on a narrow screen keeps the chart at a legible size and scrolls
-- sideways (reachable by keyboard, named like the tables' boxes); the page itself never scrolls sideways.
-- A filter of its own because Quarto builds its figures (Div.quarto-figure) after pandoc-compat.lua has run (that
-- one runs before Quarto's AST processing, to see what the pandoc path sees): _quarto.yml runs this one at
-- post-render, the pandoc path right after pandoc-compat.lua. HTML only.

local function has_image(block)
  local found = false
  pandoc.walk_block(block, { Image = function() found = true end })
  return found
end

local function box(blocks, name)
  -- attributes as an ordered list of pairs: a Lua table's hash order varies from run to run (stable bytes)
  local attributes = { { "tabindex", "0" }, { "role", "region" }, { "aria-label", "Chart: " .. name } }
  local out = pandoc.Blocks({})
  for _, block in ipairs(blocks) do
    if (block.t == "Para" or block.t == "Plain") and has_image(block) then
      out:insert(pandoc.Div({ block }, pandoc.Attr("", { "chart-scroll" }, attributes)))
    else
      out:insert(block)
    end
  end
  return out
end

-- Quarto's rendered figure: <figure>, the image's paragraph, the caption's text, </figure>.
local function caption_text(blocks)
  for _, block in ipairs(blocks) do
    if (block.t == "Plain" or block.t == "Para") and not has_image(block) then return pandoc.utils.stringify(block) end
  end
  return ""
end

if FORMAT:match("html") then
  function Figure(fig)  -- pandoc path
    fig.content = box(fig.content, pandoc.utils.stringify(fig.caption.long or {}))
    return fig
  end

  function Div(div)  -- Quarto path, after Quarto rendered its figure; named by its caption
    if not div.classes:includes("quarto-figure") then return nil end
    div.content = box(div.content, caption_text(div.content))
    return div
  end
end
