// The self-check page. Builds the form from GET /api/rules (subject → rules → their inputs),
// posts the applicant to /api/calc and shows the itemised, cited result and the hints.
// All policy numbers come from the API; amounts stay the strings the API returns.
// The DOM is built with createElement/textContent only: nothing typed is ever parsed as HTML.
"use strict";

(function () {
  var lang = "zh";
  var catalog = null;      // GET /api/rules
  var claimOrder = [];     // rule ids in the order sent as claims (maps claims.N to a rule)

  var UI = {
    choose: {zh: "请选择", en: "Please choose"},
    yes: {zh: "是", en: "Yes"},
    no: {zh: "否", en: "No"},
    project: {zh: "项目名称（可不填）", en: "Project name (optional)"},
    notQuantified: {zh: "文件未量化", en: "no figure"},
    noRules: {zh: "请先选择主体类型。", en: "Choose the type of applicant first."},
    pickRule: {zh: "请至少勾选一个项目。", en: "Tick at least one item."},
    total: {zh: "合计", en: "Total"},
    yuan: {zh: "元", en: "yuan"},
    conditions: {zh: "条件", en: "Conditions"},
    steps: {zh: "计算", en: "Calculation"},
    needs: {zh: "还需填写", en: "Still needed"},
    source: {zh: "依据", en: "Source"},
    page: {zh: "公报第{p}页", en: "gazette p. {p}"},
    hints: {zh: "还差多少", en: "How close you are"},
    related: {zh: "还可申请", en: "Also open to you"},
    result: {zh: "测算结果", en: "Result"},
    fix: {zh: "请按红字提示修改后再测算。", en: "Please correct the fields marked in red."},
    network: {zh: "无法连接测算服务，请稍后再试。", en: "Cannot reach the calculator; please try again."},
    selfcheck: {zh: "（自查）", en: "(self-check)"},
    required: {zh: "要求", en: "required"},
    notGiven: {zh: "未填", en: "not given"},
    rulePack: {zh: "规则包", en: "Rule pack"}
  };
  var OPS = {ge: "≥", gt: ">", le: "≤", lt: "<", is_true: "=", is_false: "=", "in": "∈", between: "∈"};

  function $(id) { return document.getElementById(id); }

  // An element whose text follows the language toggle.
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text && typeof text === "object") {
      e.setAttribute("data-zh", text.zh);
      e.setAttribute("data-en", text.en || text.zh);
      e.textContent = text[lang] || text.zh;
    } else if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }
  function tx(zh, en) { return {zh: zh, en: en}; }
  function fmt(t, vars) {
    return {zh: t.zh.replace("{p}", vars.p), en: t.en.replace("{p}", vars.p)};
  }

  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    var nodes = document.querySelectorAll("[data-zh]");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].textContent = nodes[i].getAttribute("data-" + lang) || nodes[i].getAttribute("data-zh");
    }
    $("lang").textContent = lang === "zh" ? "English" : "中文";
    document.title = $("title").textContent;
  }

  // "5500.00" -> "5,500.00" without ever turning the amount into a binary float.
  function yuan(s) {
    var str = String(s);
    var neg = str.charAt(0) === "-";
    if (neg) { str = str.slice(1); }
    var parts = str.split(".");
    var int = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var frac = parts.length > 1 ? parts[1] : "";
    while (frac.length < 2) { frac += "0"; }
    return (neg ? "-" : "") + int + "." + frac;
  }

  function option(value, label) {
    var o = el("option", label);
    o.value = value;
    return o;
  }

  function fillSelects() {
    var subj = $("subject");
    subj.textContent = "";
    subj.appendChild(option("", UI.choose));
    catalog.subjects.forEach(function (s) { subj.appendChild(option(s.id, s.label)); });
    var cat = $("category");
    cat.textContent = "";
    cat.appendChild(option("", UI.choose));
    catalog.categories.forEach(function (c) { cat.appendChild(option(c.id, c.label)); });
    $("pack").textContent = (UI.rulePack[lang]) + "：" + catalog.rule_pack;
  }

  function rulesFor(subject) {
    return catalog.rules.filter(function (r) { return r.subjects.indexOf(subject) >= 0; });
  }
  function ruleById(id) {
    for (var i = 0; i < catalog.rules.length; i++) { if (catalog.rules[i].id === id) { return catalog.rules[i]; } }
    return null;
  }

  function onSubject() {
    var subject = $("subject").value;
    $("category-field").hidden = subject !== "household";
    var box = $("rules");
    box.textContent = "";
    $("claims").textContent = "";
    if (!subject) { box.appendChild(el("p", UI.noRules, "help")); return; }
    rulesFor(subject).forEach(function (r) {
      var lab = el("label", null, "rule-option");
      var cb = document.createElement("input");
      cb.type = "checkbox";
      cb.name = "rule";
      cb.value = r.id;
      cb.addEventListener("change", renderClaims);
      lab.appendChild(cb);
      var txt = el("span");
      var name = el("span", r.name, "name");
      if (r.not_quantified) { name.appendChild(document.createTextNode(" ")); name.appendChild(el("span", UI.notQuantified, "badge")); }
      txt.appendChild(name);
      txt.appendChild(el("span", r.rate, "rate"));
      lab.appendChild(txt);
      box.appendChild(lab);
    });
  }

  function checkedRules() {
    var out = [];
    var boxes = document.querySelectorAll("input[name=rule]:checked");
    for (var i = 0; i < boxes.length; i++) { out.push(boxes[i].value); }
    return out;
  }

  function inputField(rule, spec) {
    var f = el("div", null, "field");
    f.setAttribute("data-rule", rule.id);
    f.setAttribute("data-input", spec.name);
    var id = "in-" + rule.id.replace(/[^a-z0-9]/gi, "_") + "-" + spec.name;
    if (spec.type === "boolean") {
      f.appendChild(el("span", spec.label, "label"));
      var yn = el("div", null, "yesno");
      [["是", UI.yes], ["否", UI.no]].forEach(function (pair) {
        var l = document.createElement("label");
        var r = document.createElement("input");
        r.type = "radio";
        r.name = id;
        r.value = pair[0];
        r.setAttribute("data-rule", rule.id);
        r.setAttribute("data-input", spec.name);
        l.appendChild(r);
        l.appendChild(el("span", pair[1]));
        yn.appendChild(l);
      });
      f.appendChild(yn);
    } else {
      var label = el("label", spec.label);
      label.htmlFor = id;
      f.appendChild(label);
      var ctl;
      if (spec.type === "choice") {
        ctl = document.createElement("select");
        ctl.appendChild(option("", UI.choose));
        spec.choices.forEach(function (c) { ctl.appendChild(option(c.value, c.label)); });
      } else {
        ctl = document.createElement("input");
        ctl.type = "text";
        ctl.inputMode = spec.type === "integer" ? "numeric" : "decimal";
        ctl.maxLength = 30;
      }
      ctl.id = id;
      ctl.setAttribute("data-rule", rule.id);
      ctl.setAttribute("data-input", spec.name);
      if (spec.unit && spec.type !== "choice") {
        var wrap = el("div", null, "with-unit");
        wrap.appendChild(ctl);
        wrap.appendChild(el("span", spec.unit, "unit"));
        f.appendChild(wrap);
      } else {
        f.appendChild(ctl);
      }
    }
    if (spec.help) { f.appendChild(el("p", spec.help, "help")); }
    f.appendChild(el("p", null, "field-error"));
    return f;
  }

  function renderClaims() {
    var box = $("claims");
    // keep what was already typed for rules that stay ticked
    var keep = {};
    var old = box.querySelectorAll("section[data-rule]");
    for (var i = 0; i < old.length; i++) { keep[old[i].getAttribute("data-rule")] = old[i]; }
    box.textContent = "";
    checkedRules().forEach(function (id, n) {
      if (keep[id]) { box.appendChild(keep[id]); return; }
      var rule = ruleById(id);
      var sec = el("section", null, "card claim");
      sec.setAttribute("data-rule", id);
      sec.appendChild(el("h3", rule.name));
      if (rule.conditions.length) {
        var ul = el("ul", null, "help");
        rule.conditions.forEach(function (c) { ul.appendChild(el("li", c)); });
        sec.appendChild(ul);
      }
      var pf = el("div", null, "field");
      pf.setAttribute("data-rule", id);
      pf.setAttribute("data-input", "@project");
      var pl = el("label", UI.project);
      var pid = "proj-" + id.replace(/[^a-z0-9]/gi, "_");
      pl.htmlFor = pid;
      var pin = document.createElement("input");
      pin.type = "text"; pin.id = pid; pin.maxLength = 60;
      pin.setAttribute("data-rule", id); pin.setAttribute("data-input", "@project");
      pf.appendChild(pl); pf.appendChild(pin); pf.appendChild(el("p", null, "field-error"));
      sec.appendChild(pf);
      rule.inputs.forEach(function (spec) { sec.appendChild(inputField(rule, spec)); });
      box.appendChild(sec);
    });
  }

  function collect() {
    var subject = $("subject").value;
    var name = $("name").value.trim();
    var applicant = {name: name || UI.selfcheck[lang], subject: subject};
    if (subject === "household" && $("category").value) { applicant.category = $("category").value; }
    claimOrder = checkedRules();
    var claims = claimOrder.map(function (id) {
      var rule = ruleById(id);
      var sec = document.querySelector('section[data-rule="' + id + '"]');
      var inputs = {};
      rule.inputs.forEach(function (spec) {
        var v = null;
        if (spec.type === "boolean") {
          var r = sec.querySelector('input[type=radio][data-input="' + spec.name + '"]:checked');
          v = r ? r.value : null;
        } else {
          var c = sec.querySelector('[data-input="' + spec.name + '"]:not(.field)');
          v = c && c.value.trim() !== "" ? c.value.trim() : null;
        }
        if (v !== null) { inputs[spec.name] = v; }   // numbers are sent as text: no floats
      });
      var claim = {rule: id, inputs: inputs};
      var proj = sec.querySelector('input[data-input="@project"]').value.trim();
      if (proj) { claim.project = proj; }
      return claim;
    });
    return {year: catalog.year, applicant: applicant, claims: claims};
  }

  function clearErrors() {
    var errs = document.querySelectorAll(".field-error");
    for (var i = 0; i < errs.length; i++) { errs[i].textContent = ""; errs[i].removeAttribute("data-zh"); errs[i].removeAttribute("data-en"); }
    var inv = document.querySelectorAll(".field.invalid");
    for (var j = 0; j < inv.length; j++) { inv[j].classList.remove("invalid"); }
    $("form-error").hidden = true;
    $("form-error").textContent = "";
  }

  function fieldFor(path) {
    if (!path) { return null; }
    var m = /^claims\.(\d+)\.inputs\.([a-z0-9_]+)/.exec(path);
    if (m) {
      var id = claimOrder[Number(m[1])];
      return document.querySelector('.field[data-rule="' + id + '"][data-input="' + m[2] + '"]');
    }
    m = /^claims\.(\d+)\.project/.exec(path);
    if (m) { return document.querySelector('.field[data-rule="' + claimOrder[Number(m[1])] + '"][data-input="@project"]'); }
    if (path.indexOf("applicant.") === 0) { return document.querySelector('.field[data-field="' + path.split(".").slice(0, 2).join(".") + '"]'); }
    return null;
  }

  function showErrors(body) {
    var general = [];
    var first = null;
    (body.detail || []).forEach(function (d) {
      var f = fieldFor(d.field);
      if (f) {
        f.classList.add("invalid");
        var p = f.querySelector(".field-error");
        p.setAttribute("data-zh", d.message.zh);
        p.setAttribute("data-en", d.message.en || d.message.zh);
        p.textContent = d.message[lang] || d.message.zh;
        if (!first) { first = f; }
      } else {
        general.push(d.message);
      }
    });
    var box = $("form-error");
    box.textContent = "";
    box.appendChild(el("p", body.message || UI.fix));
    general.forEach(function (g) { box.appendChild(el("p", g)); });
    box.hidden = false;
    (first || box).scrollIntoView({block: "center"});
  }

  function checkText(c) {
    var mark = c.passed === true ? "✓ " : (c.passed === false ? "✗ " : "? ");
    function one(l) {
      var s = mark + c.label[l];
      if (c.value !== null || c.threshold !== null) {
        s += (l === "zh" ? "：" : ": ") + (c.value !== null ? c.value : UI.notGiven[l]);
        if (c.threshold !== null) {
          s += (l === "zh" ? "（" : " (") + UI.required[l] + " " + (OPS[c.op] || "") + " " + c.threshold + (l === "zh" ? "）" : ")");
        }
      }
      return s;
    }
    return tx(one("zh"), one("en"));
  }

  function renderResult(data) {
    var a = data.award;
    var box = $("result");
    box.textContent = "";
    var card = el("div", null, "card");
    card.appendChild(el("h2", UI.result));
    var who = a.applicant.name + " · " + data.subject_label.zh + (data.category_label ? " · " + data.category_label.zh : "");
    var whoEn = a.applicant.name + " · " + data.subject_label.en + (data.category_label ? " · " + data.category_label.en : "");
    card.appendChild(el("p", tx(who, whoEn), "who"));
    var total = el("p", null, "total");
    total.appendChild(el("span", UI.total));
    total.appendChild(document.createTextNode(" "));
    var amt = el("span", yuan(a.total));
    amt.id = "total";
    total.appendChild(amt);
    total.appendChild(document.createTextNode(" "));
    total.appendChild(el("span", UI.yuan));
    card.appendChild(total);
    a.lines.forEach(function (line, i) {
      var d = el("div", null, "line");
      d.setAttribute("data-rule", line.rule_id);
      var head = el("div", null, "line-head");
      head.appendChild(el("span", line.name, "line-name"));
      head.appendChild(el("span", yuan(line.amount), "line-amount"));
      d.appendChild(head);
      if (line.project) { d.appendChild(el("div", line.project, "help")); }
      var st = catalog.status[line.status] || {zh: line.status, en: line.status};
      d.appendChild(el("span", st, "status " + line.status));
      var ul = el("ul");
      line.checks.forEach(function (c) { ul.appendChild(el("li", checkText(c), c.passed ? "check-pass" : "check-fail")); });
      line.steps.forEach(function (s) { ul.appendChild(el("li", s.text, "step")); });
      if (line.missing.length) {
        ul.appendChild(el("li", tx(UI.needs.zh + "：" + line.missing.map(function (m) { return m.label.zh; }).join("、"),
                                   UI.needs.en + ": " + line.missing.map(function (m) { return m.label.en; }).join(", ")), "missing"));
      }
      d.appendChild(ul);
      var c = line.citation;
      var pg = c.place || fmt(UI.page, {p: c.gazette_page});
      var num = c.document_number || "";
      d.appendChild(el("p", tx(UI.source.zh + "：" + num + "《" + c.document_title + "》" + c.section + "（" + pg.zh + "）“" + c.quote + "”" + (c.paraphrase ? "（大意，非原文）" : ""),
                               UI.source.en + ": " + (num ? num + " " : "") + c.document_title + ", " + c.section + " (" + pg.en + ") “" + c.quote + "”" + (c.paraphrase ? " (paraphrase, not the text)" : "")), "cite"));
      card.appendChild(d);
    });
    box.appendChild(card);
    var close = data.hints.filter(function (h) { return h.kind !== "related"; });
    var related = data.hints.filter(function (h) { return h.kind === "related"; });
    [[close, UI.hints, "hints-close"], [related, UI.related, "hints-related"]].forEach(function (grp) {
      if (!grp[0].length) { return; }
      var hc = el("div", null, "card hints");
      hc.id = grp[2];
      hc.appendChild(el("h2", grp[1]));
      var ul = el("ul");
      grp[0].forEach(function (h) {
        ul.appendChild(el("li", h.text, h.not_quantified ? "not-quantified" : null));
      });
      hc.appendChild(ul);
      box.appendChild(hc);
    });
    box.hidden = false;
    box.scrollIntoView({block: "start"});
  }

  function submit(ev) {
    ev.preventDefault();
    clearErrors();
    if (!$("subject").value) {
      showErrors({message: UI.fix, detail: [{field: "applicant.subject", message: UI.choose}]});
      return;
    }
    if (!checkedRules().length) {
      showErrors({message: UI.pickRule, detail: []});
      return;
    }
    var body = collect();
    $("submit").disabled = true;
    fetch("/api/calc", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body), credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, body: j}; }); })
      .then(function (res) {
        if (res.status === 200) { $("result").hidden = true; renderResult(res.body); }
        else { $("result").hidden = true; showErrors(res.body); }
      })
      .catch(function () { showErrors({message: UI.network, detail: []}); })
      .then(function () { $("submit").disabled = false; document.body.setAttribute("data-state", "done"); });
  }

  function start() {
    $("lang").addEventListener("click", function () { lang = lang === "zh" ? "en" : "zh"; applyLang(); if (catalog) { $("pack").textContent = UI.rulePack[lang] + "：" + catalog.rule_pack; } });
    if (/[?&]lang=en\b/.test(location.search)) { lang = "en"; }
    fetch("/api/rules", {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        catalog = j;
        if (j.title) {  // the rule pack names the tool: 兴县奖补自查, 偏城乡庭院经济奖补自查 …
          $("title").setAttribute("data-zh", j.title.zh + "自查");
          $("title").setAttribute("data-en", j.title.en + " self-check");
        }
        fillSelects();
        onSubject();
        $("subject").addEventListener("change", onSubject);
        $("form").addEventListener("submit", submit);
        applyLang();
        document.body.setAttribute("data-state", "ready");
      })
      .catch(function () { showErrors({message: UI.network, detail: []}); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
