#!/usr/bin/python3
"""Renders terminal text with ANSI colour escapes (as `tmux capture-pane -e -p` prints it) to a PNG.

usage: ansi-to-png.py INPUT.ans OUTPUT.png

Understands the SGR codes a Spectre.Console progress display uses: reset (0), bold (1), the 16 standard and bright
colours (30-37, 90-97, 40-47, 100-107), 256-colour palette entries (38;5;N and 48;5;N) and default colours (39, 49).
Needs python3-pil and fonts-dejavu-core.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE, PAD = 15, 12
BACKGROUND, FOREGROUND = (30, 30, 30), (220, 220, 220)
BASE16 = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
          (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]


def palette(n):
    """The xterm 256-colour palette."""
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return steps[n // 36], steps[n // 6 % 6], steps[n % 6]
    grey = 8 + 10 * (n - 232)
    return grey, grey, grey


def cells(line):
    """Yields (character, foreground, background, bold) for each printed character of one line."""
    fg, bg, bold = FOREGROUND, None, False
    for token in re.split(r"(\x1b\[[0-9;]*m)", line):
        if token.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in token[2:-1].split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg, bg, bold = FOREGROUND, None, False
                elif c == 1:
                    bold = True
                elif c == 22:
                    bold = False
                elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                    colour = palette(codes[i + 2])
                    fg, bg = (colour, bg) if c == 38 else (fg, colour)
                    i += 2
                elif 30 <= c <= 37 or 90 <= c <= 97:
                    fg = BASE16[c - 30 if c < 90 else c - 82]
                elif 40 <= c <= 47 or 100 <= c <= 107:
                    bg = BASE16[c - 40 if c < 100 else c - 92]
                elif c == 39:
                    fg = FOREGROUND
                elif c == 49:
                    bg = None
                i += 1
        else:
            for ch in token:
                yield ch, fg, bg, bold


def main(source, target):
    with open(source, encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    regular, bold = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(BOLD, SIZE)
    width = int(regular.getlength("M"))
    height = int(SIZE * 1.35)
    columns = max(sum(1 for _ in cells(line)) for line in lines)
    image = Image.new("RGB", (2 * PAD + columns * width, 2 * PAD + len(lines) * height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        for column, (ch, fg, bg, is_bold) in enumerate(cells(line)):
            x, y = PAD + column * width, PAD + row * height
            if bg is not None:
                draw.rectangle([x, y, x + width, y + height], fill=bg)
            draw.text((x, y), ch, fill=fg, font=bold if is_bold else regular)
    image.save(target)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
