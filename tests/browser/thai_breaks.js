// Thai words broken across two lines in the rendered page, for test_phone_width.py.
// Thai has no spaces between words: Chromium finds where a line may break with ICU's dictionary, between
// words, unless a style lets it break anywhere (word-break: break-all; overflow-wrap: anywhere in a box
// narrower than a word). Every line break between two Thai characters must therefore fall where
// Intl.Segmenter, from the same ICU data, puts a word boundary. Returns each word broken, with the line
// break marked "/" and the element it is in.
() => {
  const THAI = /[\u0e01-\u0e4e]/;
  const words = new Intl.Segmenter("th", { granularity: "word" });
  const clusters = new Intl.Segmenter("th", { granularity: "grapheme" });  // a letter with its marks
  const range = document.createRange();
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    // Text for screen readers alone sits in a box 1 px wide, where every letter is a line: never seen.
    acceptNode: (node) => (THAI.test(node.data) && !node.parentElement.closest(".visually-hidden, svg, script, style")
      ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT),
  });
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const boundaries = new Set(Array.from(words.segment(node.data), (word) => word.index));
    let before = null;  // the cluster before, where it was drawn
    for (const { segment, index } of clusters.segment(node.data)) {
      range.setStart(node, index);
      range.setEnd(node, index + segment.length);
      const box = range.getClientRects()[0];
      if (!box || !THAI.test(segment)) { before = null; continue; }  // not drawn, or not Thai: a break is allowed
      if (before && box.top > before.top + before.height / 2 && !boundaries.has(index)) {
        const word = Array.from(words.segment(node.data)).find((w) => w.index < index && index < w.index + w.segment.length);
        const text = word ? word.segment : node.data.slice(Math.max(index - 6, 0), index + 6);
        const at = word ? index - word.index : Math.min(index, 6);
        broken.push(`${text.slice(0, at)}/${text.slice(at)} in <${node.parentElement.tagName.toLowerCase()}` +
                    `${node.parentElement.className ? "." + node.parentElement.className : ""}>`);
      }
      before = box;
    }
  }
  return broken;
}
