// qunbot console: the one script of the pages. It uploads a script
// library file with fetch and moves a progress bar from the API's NDJSON
// stream; without it, the form posts to the page and still works.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var token = document.querySelector('meta[name="csrf-token"]');
  document.querySelectorAll("form.import-form").forEach(function (form) {
    if (!token || !window.fetch || !window.TextDecoder) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      upload(form, token.content);
    });
  });
});

function upload(form, csrf) {
  var bar = form.querySelector("progress"), out = form.querySelector(".import-result");
  var button = form.querySelector("button");
  bar.hidden = false; bar.removeAttribute("value"); out.textContent = "正在导入…";
  button.disabled = true;
  fetch(form.dataset.api, {method: "POST", body: new FormData(form), credentials: "same-origin",
    headers: {"Accept": "application/x-ndjson", "X-CSRF-Token": csrf}})
    .then(function (resp) {
      if (!resp.ok) return resp.json().then(function (b) { throw new Error(b.message || resp.statusText); },
        function () { throw new Error("HTTP " + resp.status); });
      return readLines(resp.body.getReader(), function (line) { step(bar, out, JSON.parse(line)); });
    })
    .catch(function (err) { show(out, "导入失败:" + err.message, []); })
    .finally(function () { button.disabled = false; });
}

function readLines(reader, each) {
  var dec = new TextDecoder(), rest = "";
  function pump() {
    return reader.read().then(function (r) {
      rest += dec.decode(r.value || new Uint8Array(), {stream: !r.done});
      var lines = rest.split("\n");
      rest = lines.pop();
      lines.forEach(function (l) { if (l.trim()) each(l); });
      if (r.done) { if (rest.trim()) each(rest); return; }
      return pump();
    });
  }
  return pump();
}

function step(bar, out, p) {
  if (p.total > 0) { bar.max = p.total; bar.value = p.done; }
  if (p.error) {
    var rows = (p.report && p.report.errors) || [];
    show(out, p.error, rows.map(function (e) {
      return (e.row ? "第 " + e.row + " 行" : "文件") + (e.column ? " · " + e.column : "") + ":" + e.message;
    }));
  } else if (p.report) {
    show(out, "导入完成:新建 " + p.report.created + " 条,更新 " + p.report.updated + " 条,未变 " + p.report.unchanged + " 条", []);
  }
}

// show writes the outcome as text, never as markup.
function show(out, text, items) {
  out.textContent = "";
  var p = document.createElement("p");
  p.textContent = text;
  out.appendChild(p);
  if (!items.length) return;
  var ul = document.createElement("ul");
  items.forEach(function (t) { var li = document.createElement("li"); li.textContent = t; ul.appendChild(li); });
  out.appendChild(ul);
}
