"""Scanned copies of PDFs (tests and the OCR bench): pages rendered as images, turned, speckled,
and stamped with a red seal, saved as an image-only PDF (what `make_scanned.py` does, harder)."""

from __future__ import annotations

import io
import random

import pypdfium2
from PIL import Image, ImageChops, ImageDraw, ImageFilter

DPI = 150


def scanned(
    data: bytes, pages: tuple[int, ...], angle: float, seal: tuple[int, int] | None = None
) -> bytes:
    """An image-only PDF of `pages` (1-based) of the PDF `data`: each turned by `angle`
    degrees, speckled, blurred, and with a red seal (a ring and a star, as official seals
    are) centred at `seal` (px at 150 dpi) on the last page."""
    images = scanned_pages(data, pages, angle, seal)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue()


def scanned_pages(
    data: bytes, pages: tuple[int, ...], angle: float, seal: tuple[int, int] | None = None
) -> list[Image.Image]:
    """The page images of `scanned`."""
    rnd = random.Random(angle)
    pdf = pypdfium2.PdfDocument(data)
    images = []
    for number in pages:
        page = pdf[number - 1]
        grey = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
        page.close()
        grey = grey.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
        pixels = grey.load()
        width, height = grey.size
        for _ in range(width * height // 300):
            pixels[rnd.randrange(width), rnd.randrange(height)] = rnd.choice((90, 160, 200))
        images.append(grey.filter(ImageFilter.GaussianBlur(0.4)).convert("RGB"))
    pdf.close()
    if seal is not None:
        _stamp(images[-1], seal)
    return images


def page_count(data: bytes) -> int:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _stamp(image: Image.Image, centre: tuple[int, int]) -> None:
    """A red seal, printed over the page as ink is (multiplied: the black under it stays
    black; where there was paper, red ink leaves the red channel light)."""
    layer = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    x, y, r = *centre, 110
    draw.ellipse((x - r, y - r, x + r, y + r), outline=(220, 30, 30), width=9)
    points = ((0, -40), (12, -12), (40, -12), (18, 6), (26, 34), (0, 18), (-26, 34), (-18, 6))
    star = [(x + dx, y + dy) for dx, dy in (*points, (-40, -12), (-12, -12))]
    draw.polygon(star, fill=(220, 30, 30))
    for i in range(12):  # the body's name round the ring, as strokes
        draw.line((x - 80 + 14 * i, y + 55, x - 74 + 14 * i, y + 75), fill=(220, 30, 30), width=4)
    image.paste(ImageChops.multiply(image, layer))
