// WCAG 2.2 contrast measured in the rendered page, for test_contrast.py.
// Called with no element: the texts whose contrast is too low, as readable strings.
// Called with a focused element: the contrast of its focus ring (the better of the outline and the
// box-shadow ring) against the background behind the element.
(element) => {
  const rgba = (css) => {
    const found = css && css.match(/rgba?\(([^)]+)\)/);
    if (!found) { return null; }
    const parts = found[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const luminance = (colour) => {
    const linear = colour.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  };
  const ratio = (a, b) => {
    const [light, dark] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (light + 0.05) / (dark + 0.05);
  };
  // The backgrounds from the element outwards, composited up to the first opaque one (else white).
  const behind = (node) => {
    const layers = [];
    for (; node && node.nodeType === 1; node = node.parentElement) {
      const colour = rgba(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) {
        layers.push(colour);
        if (colour[3] >= 1) { break; }
      }
    }
    return layers.reduceRight((under, top) => over(top, under), [255, 255, 255, 1]);
  };

  if (element) {
    const style = getComputedStyle(element), page = behind(element.parentElement), rings = [];
    if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
      rings.push(rgba(style.outlineColor));
    }
    const shadow = style.boxShadow.match(/rgba?\([^)]+\)/);
    if (shadow) { rings.push(rgba(shadow[0])); }
    return Math.max(0, ...rings.map((ring) => ratio(over(ring, page), page)));
  }

  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!own || el.matches(":disabled, script, style, option")) { continue; }
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    if (style.visibility !== "visible" || box.width <= 1 || box.height <= 1) { continue; }
    const background = behind(el);
    const foreground = over(rgba(el instanceof SVGElement ? style.fill : style.color), background);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;  // "large text" may have 3:1
    const measured = ratio(foreground, background);
    if (measured < needed) {
      const name = el.tagName.toLowerCase() + "." + (el.className.baseVal ?? el.className);
      failures.push(`${name} "${own.slice(0, 30)}": ${measured.toFixed(2)} < ${needed}` +
                    ` (${style.color} on rgb(${background.slice(0, 3).map(Math.round)}))`);
    }
  }
  return failures;
}
