// The self-check page: a questionnaire one step at a time (who → what you did → one step per
// subsidy → review → result), built from GET /api/rules and computed by POST /api/calc.
// The answers live in sessionStorage on this phone only (a refresh keeps them; closing the tab
// forgets them); nothing is stored on the server. All policy numbers come from the API; amounts
// stay the strings the API returns. The DOM is built with createElement/textContent only:
// nothing typed is ever parsed as HTML.
"use strict";

(function () {
  var KEY = "xx-selfcheck";   // sessionStorage: the answers and the step
  var BIG = "xx-big";         // localStorage: large text (a preference, nothing typed)
  var lang = "zh";
  var catalog = null;
  var S = null;               // the state: {step, name, subject, category, rules, inputs, projects}
  var lastBody = null;        // the applicant last sent

  var UI = {
    choose: {zh: "请选择", en: "Please choose"},
    yes: {zh: "是", en: "Yes"},
    no: {zh: "否", en: "No"},
    unsure: {zh: "不清楚", en: "Not sure"},
    loses: {zh: "选这个，这项就不能领", en: "this answer means no award"},
    project: {zh: "项目名称（可不填）", en: "Project name (optional)"},
    notQuantified: {zh: "文件未写金额", en: "no figure"},
    pickSubject: {zh: "请先选择您是哪类申请人。", en: "Choose the kind of applicant first."},
    pickRule: {zh: "请至少选一项。", en: "Tick at least one item."},
    total: {zh: "合计可领", en: "Total"},
    pendingTotal: {zh: "另有待确认的，通过后还可领", en: "Waiting for confirmation, then a further"},
    yuan: {zh: "元", en: "yuan"},
    basis: {zh: "依据", en: "Basis"},
    steps: {zh: "计算", en: "Calculation"},
    page: {zh: "公报第{p}页", en: "gazette p. {p}"},
    interp: {zh: "采用解释", en: "Interpretation"},
    hints: {zh: "还差多少", en: "How close you are"},
    related: {zh: "还可申请（本次没填的）", en: "Also open to you (not claimed here)"},
    result: {zh: "测算结果", en: "Result"},
    howTo: {zh: "怎么申请", en: "How to apply"},
    silent: {zh: "文件未写明", en: "the document does not say"},
    fix: {zh: "请按红字提示修改。", en: "Please correct the fields marked in red."},
    network: {zh: "无法连接测算服务，请稍后再试。", en: "Cannot reach the calculator; please try again."},
    selfcheck: {zh: "（自查）", en: "(self-check)"},
    notGiven: {zh: "未填", en: "not given"},
    required: {zh: "要求", en: "required"},
    rulePack: {zh: "规则包", en: "Rule pack"},
    rounding: {zh: "取整", en: "Rounding"},
    stepOf: {zh: "第 {k} 步，共 {n} 步", en: "Step {k} of {n}"},
    next: {zh: "下一步", en: "Next"},
    calc: {zh: "测算", en: "Calculate"},
    change: {zh: "修改", en: "Change"},
    edit: {zh: "修改回答", en: "Change answers"},
    print: {zh: "打印（一页）", en: "Print (one page)"},
    save: {zh: "保存为文件（交给工作人员）", en: "Save as a file (for staff)"},
    restart: {zh: "重新开始", en: "Start again"},
    who: {zh: "您是谁", en: "Who you are"},
    what: {zh: "今年做了哪些事", en: "What you did"},
    blank: {zh: "（未填）", en: "(blank)"},
    pending: {zh: "待定", en: "pending"},
    selfcheckTitle: {zh: "自查", en: " self-check"}
  };
  var OPS = {ge: "≥", gt: ">", le: "≤", lt: "<", is_true: "=", is_false: "=", "in": "∈", between: "∈"};

  function $(id) { return document.getElementById(id); }
  function tx(zh, en) { return {zh: zh, en: en}; }
  function t(o) { return o[lang] || o.zh; }

  // An element whose text follows the language toggle.
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text && typeof text === "object") {
      e.setAttribute("data-zh", text.zh);
      e.setAttribute("data-en", text.en || text.zh);
      e.textContent = t(text);
    } else if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }
  function fmt(o, vars) {
    function one(s) { return s.replace(/\{(\w+)\}/g, function (_, k) { return vars[k]; }); }
    return {zh: one(o.zh), en: one(o.en)};
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

  // ------------------------------------------------------------------ state, kept on this phone

  function fresh() { return {v: 1, step: "who", name: "", subject: "", category: "", rules: [], inputs: {}, projects: {}}; }
  function save() {
    try { sessionStorage.setItem(KEY, JSON.stringify(S)); } catch (e) { /* private mode: the page still works */ }
  }
  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (s && s.v === 1) { return s; }
    } catch (e) { /* ignore a damaged entry */ }
    return fresh();
  }

  function ruleById(id) {
    for (var i = 0; i < catalog.rules.length; i++) { if (catalog.rules[i].id === id) { return catalog.rules[i]; } }
    return null;
  }
  function isHousehold(subject) { return catalog.household_subjects.indexOf(subject) >= 0; }
  function steps() {
    var out = ["who", "what"];
    S.rules.forEach(function (id) { out.push("claim:" + id); });
    out.push("review");
    return out;
  }

  // ------------------------------------------------------------------ building the steps

  function option(value, label) {
    var o = el("option", label);
    o.value = value;
    return o;
  }

  function fillWho() {
    var subj = $("subject");
    subj.textContent = "";
    subj.appendChild(option("", UI.choose));
    catalog.subjects.forEach(function (s) { subj.appendChild(option(s.id, s.label)); });
    var cat = $("category");
    cat.textContent = "";
    cat.appendChild(option("", UI.choose));
    catalog.categories.forEach(function (c) { cat.appendChild(option(c.id, c.label)); });
    $("name").value = S.name;
    subj.value = S.subject;
    cat.value = S.category;
    $("category-field").hidden = !isHousehold(S.subject);
  }

  function fillWhat() {
    var box = $("rules");
    box.textContent = "";
    if (!S.subject) { return; }
    catalog.rules.forEach(function (r) {
      if (r.subjects.indexOf(S.subject) < 0) { return; }
      var lab = el("label", null, "rule-option");
      var cb = document.createElement("input");
      cb.type = "checkbox";
      cb.name = "rule";
      cb.value = r.id;
      cb.checked = S.rules.indexOf(r.id) >= 0;
      cb.addEventListener("change", onRules);
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

  function safeId(s) { return s.replace(/[^a-z0-9]/gi, "_"); }

  function inputField(rule, spec) {
    var saved = (S.inputs[rule.id] || {})[spec.name];
    var id = "in-" + safeId(rule.id) + "-" + spec.name;
    var f;
    if (spec.type === "boolean") {
      // a yes/no is a group a screen reader announces with its question; the losing answer is marked
      f = el("fieldset", null, "field yesno-group");
      f.setAttribute("data-rule", rule.id);
      f.setAttribute("data-input", spec.name);
      f.appendChild(el("legend", spec.label, "label"));
      var yn = el("div", null, "yesno");
      yn.setAttribute("role", "radiogroup");
      [["是", UI.yes], ["否", UI.no], ["", UI.unsure]].forEach(function (pair) {
        var l = document.createElement("label");
        var r = document.createElement("input");
        r.type = "radio";
        r.name = id;
        r.value = pair[0];
        r.checked = saved !== undefined && saved === pair[0];
        r.setAttribute("data-rule", rule.id);
        r.setAttribute("data-input", spec.name);
        r.addEventListener("change", onInput);
        l.appendChild(r);
        var face = el("span", null, "face");
        face.appendChild(el("span", pair[1], "answer"));
        if (spec.loses && spec.loses === pair[0]) {
          face.appendChild(el("span", UI.loses, "loses"));
          face.classList.add("losing");
        }
        l.appendChild(face);
        yn.appendChild(l);
      });
      f.appendChild(yn);
    } else {
      f = el("div", null, "field");
      f.setAttribute("data-rule", rule.id);
      f.setAttribute("data-input", spec.name);
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
      ctl.value = saved === undefined ? "" : saved;
      ctl.setAttribute("data-rule", rule.id);
      ctl.setAttribute("data-input", spec.name);
      ctl.addEventListener("input", onInput);
      ctl.addEventListener("change", onInput);
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

  function fillClaims() {
    var box = $("claims");
    box.textContent = "";
    S.rules.forEach(function (id) {
      var rule = ruleById(id);
      if (!rule) { return; }
      var sec = el("section", null, "card step claim");
      sec.hidden = true;
      sec.setAttribute("data-step", "claim:" + id);
      sec.setAttribute("data-rule", id);
      sec.appendChild(el("h2", rule.name));
      if (rule.conditions.length) {
        var ul = el("ul", null, "help conditions");
        rule.conditions.forEach(function (c) { ul.appendChild(el("li", c)); });
        sec.appendChild(ul);
      }
      var pf = el("div", null, "field");
      pf.setAttribute("data-rule", id);
      pf.setAttribute("data-input", "@project");
      var pid = "proj-" + safeId(id);
      var pl = el("label", UI.project);
      pl.htmlFor = pid;
      var pin = document.createElement("input");
      pin.type = "text"; pin.id = pid; pin.maxLength = 60;
      pin.value = S.projects[id] || "";
      pin.setAttribute("data-rule", id); pin.setAttribute("data-input", "@project");
      pin.addEventListener("input", onInput);
      pf.appendChild(pl); pf.appendChild(pin); pf.appendChild(el("p", null, "field-error"));
      sec.appendChild(pf);
      rule.inputs.forEach(function (spec) { sec.appendChild(inputField(rule, spec)); });
      box.appendChild(sec);
    });
  }

  function answerText(rule, spec, v) {
    if (v === undefined || v === "") { return UI.blank; }
    if (spec.type === "choice") {
      for (var i = 0; i < spec.choices.length; i++) { if (spec.choices[i].value === v) { return spec.choices[i].label; } }
    }
    if (spec.type === "boolean") { return v === "是" ? UI.yes : UI.no; }
    return tx(v + (spec.unit ? " " + spec.unit : ""), v + (spec.unit ? " " + spec.unit : ""));
  }

  function fillReview() {
    var dl = $("review");
    dl.textContent = "";
    function row(label, value, step) {
      var dt = el("dt", label);
      var dd = el("dd");
      dd.appendChild(el("span", value, "value"));
      var b = el("button", UI.change, "link");
      b.type = "button";
      b.setAttribute("data-goto", step);
      b.addEventListener("click", function () { go(step); });
      dd.appendChild(b);
      dl.appendChild(dt);
      dl.appendChild(dd);
    }
    var subj = null, cat = null;
    catalog.subjects.forEach(function (s) { if (s.id === S.subject) { subj = s.label; } });
    catalog.categories.forEach(function (c) { if (c.id === S.category) { cat = c.label; } });
    row(tx("姓名", "Name"), S.name ? tx(S.name, S.name) : UI.blank, "who");
    row(tx("申请人类型", "Applicant"), subj || UI.blank, "who");
    if (isHousehold(S.subject)) { row(tx("农户类型", "Household category"), cat || UI.blank, "who"); }
    S.rules.forEach(function (id) {
      var rule = ruleById(id);
      var head = el("dt", rule.name, "review-rule");
      dl.appendChild(head);
      dl.appendChild(el("dd", null, "review-rule-gap"));
      rule.inputs.forEach(function (spec) {
        row(spec.label, answerText(rule, spec, (S.inputs[id] || {})[spec.name]), "claim:" + id);
      });
    });
  }

  // ------------------------------------------------------------------ moving between steps

  function go(step) {
    if (step !== "result") { $("result").hidden = true; }
    S.step = step;
    save();
    show();
  }

  function show() {
    var all = steps();
    if (S.step !== "result" && all.indexOf(S.step) < 0) { S.step = "who"; }
    var secs = document.querySelectorAll("section.step");
    for (var i = 0; i < secs.length; i++) { secs[i].hidden = secs[i].getAttribute("data-step") !== S.step; }
    var inResult = S.step === "result";
    $("form").hidden = inResult;
    $("progress").hidden = inResult;
    if (S.step === "review") { fillReview(); }
    var k = all.indexOf(S.step) + 1;
    var p = fmt(UI.stepOf, {k: k, n: all.length});
    $("progress").setAttribute("data-zh", p.zh);
    $("progress").setAttribute("data-en", p.en);
    $("progress").textContent = t(p);
    $("back").hidden = S.step === "who";
    var nx = S.step === "review" ? UI.calc : UI.next;
    $("next").setAttribute("data-zh", nx.zh);
    $("next").setAttribute("data-en", nx.en);
    $("next").textContent = t(nx);
    document.body.setAttribute("data-step", S.step);
    window.scrollTo(0, 0);
  }

  function next() {
    clearErrors();
    if (S.step === "who" && !S.subject) {
      showErrors({message: UI.fix, detail: [{field: "applicant.subject", message: UI.pickSubject}]});
      return;
    }
    if (S.step === "what" && !S.rules.length) {
      showErrors({message: UI.pickRule, detail: []});
      return;
    }
    if (S.step === "review") { submit(); return; }
    var all = steps();
    go(all[all.indexOf(S.step) + 1]);
  }

  function back() {
    clearErrors();
    var all = steps();
    var i = all.indexOf(S.step);
    go(i > 0 ? all[i - 1] : "who");
  }

  // ------------------------------------------------------------------ answers

  function onWho() {
    var before = S.subject;
    S.name = $("name").value;
    S.subject = $("subject").value;
    S.category = isHousehold(S.subject) ? $("category").value : "";
    $("category-field").hidden = !isHousehold(S.subject);
    if (before !== S.subject) {
      // another kind of applicant: the ticked subsidies may not be open to it
      S.rules = S.rules.filter(function (id) { var r = ruleById(id); return r && r.subjects.indexOf(S.subject) >= 0; });
      fillWhat();
      fillClaims();
    }
    save();
  }

  function onRules() {
    var out = [];
    var boxes = document.querySelectorAll("input[name=rule]");
    for (var i = 0; i < boxes.length; i++) { if (boxes[i].checked) { out.push(boxes[i].value); } }
    S.rules = out;  // document order
    fillClaims();
    save();
  }

  function onInput(ev) {
    var c = ev.target;
    var rid = c.getAttribute("data-rule");
    var name = c.getAttribute("data-input");
    if (name === "@project") { S.projects[rid] = c.value; save(); return; }
    S.inputs[rid] = S.inputs[rid] || {};
    if (c.type === "radio" && c.value === "") { delete S.inputs[rid][name]; } else { S.inputs[rid][name] = c.value; }
    save();
  }

  function collect() {
    var applicant = {name: S.name.trim() || t(UI.selfcheck), subject: S.subject};
    if (isHousehold(S.subject) && S.category) { applicant.category = S.category; }
    var claims = S.rules.map(function (id) {
      var rule = ruleById(id);
      var inputs = {};
      rule.inputs.forEach(function (spec) {
        var v = (S.inputs[id] || {})[spec.name];
        if (v !== undefined && String(v).trim() !== "") { inputs[spec.name] = String(v).trim(); }  // numbers as text: no floats
      });
      var claim = {rule: id, inputs: inputs};
      if ((S.projects[id] || "").trim()) { claim.project = S.projects[id].trim(); }
      return claim;
    });
    return {year: catalog.year, applicant: applicant, claims: claims};
  }

  // ------------------------------------------------------------------ errors

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
    var m = /^claims\.(\d+)\.(inputs\.([a-z0-9_]+)|project)/.exec(path);
    if (m && lastBody && lastBody.claims[Number(m[1])]) {
      var id = lastBody.claims[Number(m[1])].rule;
      return document.querySelector('.field[data-rule="' + id + '"][data-input="' + (m[3] || "@project") + '"]');
    }
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
        p.textContent = t(d.message);
        if (!first) { first = f; }
      } else {
        general.push(d.message);
      }
    });
    if (first) {
      var step = first.closest(".step");
      if (step && step.getAttribute("data-step") !== S.step) { go(step.getAttribute("data-step")); }
    }
    var box = $("form-error");
    box.textContent = "";
    box.appendChild(el("p", body.message || UI.fix));
    general.forEach(function (g) { box.appendChild(el("p", g)); });
    box.hidden = false;
    (first || box).scrollIntoView({block: "center"});
  }

  // ------------------------------------------------------------------ the result

  function checkText(c) {
    var mark = c.passed === true ? "✓ " : (c.passed === false ? "✗ " : "? ");
    function one(l) {
      var s = mark + c.label[l];
      if (c.value !== null || c.threshold !== null) {
        var v = c.value_i18n ? c.value_i18n[l] : c.value;
        var th = c.threshold_i18n ? c.threshold_i18n[l] : c.threshold;
        s += (l === "zh" ? "：" : ": ") + (v !== null ? v : UI.notGiven[l]);
        if (th !== null) { s += (l === "zh" ? "（" : " (") + UI.required[l] + " " + (OPS[c.op] || "") + " " + th + (l === "zh" ? "）" : ")"); }
      }
      return s;
    }
    return tx(one("zh"), one("en"));
  }

  function details(summary, cls) {
    var d = el("details", null, cls || "basis");
    d.appendChild(el("summary", summary));
    return d;
  }

  function renderLine(line, plain, titles) {
    var d = el("div", null, "line kind-" + plain.kind);
    d.setAttribute("data-rule", line.rule_id);
    var head = el("div", null, "line-head");
    head.appendChild(el("span", line.name, "line-name"));
    head.appendChild(el("span", plain.amount === null ? (plain.amount_then !== null ? tx("待定", "pending") : tx("—", "—")) : yuan(plain.amount), "line-amount"));
    d.appendChild(head);
    if (line.project) { d.appendChild(el("div", line.project, "help")); }
    d.appendChild(el("span", plain.status, "status " + plain.kind));
    d.appendChild(el("p", plain.text, "plain-text"));
    var basis = details(UI.basis);
    var ul = el("ul");
    line.checks.forEach(function (c) { ul.appendChild(el("li", checkText(c), c.passed ? "check-pass" : "check-fail")); });
    line.steps.forEach(function (s) { ul.appendChild(el("li", s.text, "calc-step")); });
    line.interpretations.forEach(function (i) { ul.appendChild(el("li", tx(UI.interp.zh + " " + i + " " + (titles[i] ? titles[i].zh : ""), UI.interp.en + " " + i + " " + (titles[i] ? titles[i].en : "")), "interp")); });
    basis.appendChild(ul);
    var c = line.citation;
    var pg = c.place || fmt(UI.page, {p: c.gazette_page});  // a web notice or a file has its own place, never a gazette page
    var num = c.document_number || "";
    basis.appendChild(el("p", tx(num + "《" + c.document_title + "》" + c.section + "（" + pg.zh + "）“" + c.quote + "”" + (c.paraphrase ? "（大意，非原文）" : ""),
                                 (num ? num + " " : "") + c.document_title + ", " + c.section + " (" + pg.en + ") “" + c.quote + "”" + (c.paraphrase ? " (paraphrase, not the text)" : "")), "cite"));
    d.appendChild(basis);
    return d;
  }

  function renderGuides(guides) {
    var card = el("div", null, "card how-to");
    card.id = "how-to";
    card.appendChild(el("h2", UI.howTo));
    guides.forEach(function (g) {
      var sec = el("div", null, "guide");
      sec.setAttribute("data-rules", g.rule_ids.join(" "));
      sec.appendChild(el("h3", tx(g.names.map(function (n) { return n.zh; }).join("、"), g.names.map(function (n) { return n.en; }).join("; "))));
      var cites = el("ul", null, "cite");
      g.topics.forEach(function (topic) {
        var row = el("div", null, "topic" + (topic.silent ? " silent" : ""));
        row.setAttribute("data-topic", topic.id);
        row.appendChild(el("h4", topic.title));
        if (topic.silent) {
          row.appendChild(el("p", topic.silent_text, "silent-text"));
        } else {
          var ul = el("ul");
          topic.items.forEach(function (item) {
            ul.appendChild(el("li", item.text));
            cites.appendChild(el("li", item.citation));
          });
          row.appendChild(ul);
        }
        sec.appendChild(row);
      });
      if (cites.childNodes.length) {
        var basis = details(UI.basis);
        basis.appendChild(cites);
        sec.appendChild(basis);
      }
      card.appendChild(sec);
    });
    return card;
  }

  function renderResult(data) {
    var a = data.award;
    var box = $("result");
    box.textContent = "";
    var titles = {};
    a.interpretations.forEach(function (i) { titles[i.id] = i.title; });
    var card = el("div", null, "card summary");
    card.appendChild(el("h2", UI.result));
    var who = a.applicant.name + " · " + data.subject_label.zh + (data.category_label ? " · " + data.category_label.zh : "") + " · " + a.year;
    var whoEn = a.applicant.name + " · " + data.subject_label.en + (data.category_label ? " · " + data.category_label.en : "") + " · " + a.year;
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
    var later = data.plain.filter(function (p) { return p.amount_then !== null; });
    if (later.length) {
      // add the strings without floats: each is "5000.00"; the sum is shown per line, not added here
      var pt = el("p", null, "pending-total");
      pt.appendChild(el("span", UI.pendingTotal));
      pt.appendChild(document.createTextNode(" " + later.map(function (p) { return yuan(p.amount_then); }).join(" + ") + " "));
      pt.appendChild(el("span", UI.yuan));
      card.appendChild(pt);
    }
    a.lines.forEach(function (line, i) { card.appendChild(renderLine(line, data.plain[i], titles)); });
    var stamp = details(UI.basis, "basis stamp");
    stamp.appendChild(el("p", tx(UI.rounding.zh + "：" + a.rounding.zh, UI.rounding.en + ": " + a.rounding.en)));
    stamp.appendChild(el("p", UI.rulePack[lang] + "：" + a.rule_pack));
    a.sources.forEach(function (s) { stamp.appendChild(el("p", s)); });
    card.appendChild(stamp);
    card.appendChild(el("p", UI.rulePack[lang] + "：" + a.rule_pack, "print-only stamp-line"));  // on paper, the stamp stays
    box.appendChild(card);
    if (data.guides.length) { box.appendChild(renderGuides(data.guides)); }
    var close = data.hints.filter(function (h) { return h.kind !== "related"; });
    var related = data.hints.filter(function (h) { return h.kind === "related"; });
    if (close.length) {
      var hc = el("div", null, "card hints");
      hc.id = "hints-close";
      hc.appendChild(el("h2", UI.hints));
      var ul = el("ul");
      close.forEach(function (h) { ul.appendChild(el("li", h.text)); });
      hc.appendChild(ul);
      box.appendChild(hc);
    }
    if (related.length) {
      var rc = el("div", null, "card hints related");
      rc.id = "hints-related";
      var d = details(tx(UI.related.zh + "（" + related.length + " 项）", UI.related.en + " (" + related.length + ")"), "more");
      var rul = el("ul");
      related.forEach(function (h) { rul.appendChild(el("li", h.text, h.not_quantified ? "not-quantified" : null)); });
      d.appendChild(rul);
      rc.appendChild(d);
      box.appendChild(rc);
    }
    var actions = el("div", null, "actions screen-only");
    [["print", UI.print, function () { window.print(); }],
     ["edit", UI.edit, function () { go("review"); }],
     ["restart", UI.restart, function () { S = fresh(); save(); fillAll(); go("who"); }]].forEach(function (b) {
      var btn = el("button", b[1], "secondary");
      btn.type = "button";
      btn.id = b[0];
      btn.addEventListener("click", b[2]);
      actions.appendChild(btn);
    });
    // the answers as an applicant file (JSON, which calc reads like YAML): staff recompute it with
    // `xingxian-subsidy calc FILE`. Built here, on the phone; nothing more goes to the server.
    var file = el("a", UI.save, "secondary button");
    file.id = "save";
    file.download = "自查-" + (S.name.trim() || "applicant").replace(/[\\/:*?"<>|\s]+/g, "_").slice(0, 40) + "-" + a.year + ".json";
    file.href = "data:application/json;charset=utf-8," + encodeURIComponent(JSON.stringify(lastBody, null, 2) + "\n");
    actions.insertBefore(file, actions.childNodes[1]);
    box.appendChild(actions);
    box.hidden = false;
  }

  function submit() {
    clearErrors();
    var body = collect();
    lastBody = body;
    $("next").disabled = true;
    document.body.setAttribute("data-state", "busy");
    fetch("/api/calc", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body), credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, body: j}; }); })
      .then(function (res) {
        if (res.status === 200) { renderResult(res.body); go("result"); $("result").hidden = false; }
        else { showErrors(res.body); }
      })
      .catch(function () { showErrors({message: UI.network, detail: []}); })
      .then(function () { $("next").disabled = false; document.body.setAttribute("data-state", "done"); });
  }

  function fillAll() {
    fillWho();
    fillWhat();
    fillClaims();
  }

  function start() {
    if (/[?&]lang=en\b/.test(location.search)) { lang = "en"; }
    try { if (localStorage.getItem(BIG) === "1") { document.documentElement.classList.add("big"); $("big").setAttribute("aria-pressed", "true"); } } catch (e) { /* no storage */ }
    $("lang").addEventListener("click", function () { lang = lang === "zh" ? "en" : "zh"; applyLang(); });
    $("big").addEventListener("click", function () {
      var on = document.documentElement.classList.toggle("big");
      $("big").setAttribute("aria-pressed", on ? "true" : "false");
      try { localStorage.setItem(BIG, on ? "1" : "0"); } catch (e) { /* no storage */ }
    });
    fetch("/api/rules", {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        catalog = j;
        var title = tx(j.title.zh + UI.selfcheckTitle.zh, j.title.en + UI.selfcheckTitle.en);
        $("title").setAttribute("data-zh", title.zh);
        $("title").setAttribute("data-en", title.en);
        S = load();
        fillAll();
        $("name").addEventListener("input", onWho);
        $("subject").addEventListener("change", onWho);
        $("category").addEventListener("change", onWho);
        $("next").addEventListener("click", next);
        $("back").addEventListener("click", back);
        $("form").addEventListener("submit", function (ev) { ev.preventDefault(); next(); });
        applyLang();
        if (S.step === "result") { S.step = "review"; show(); submit(); } else { show(); }
        document.body.setAttribute("data-state", "ready");
      })
      .catch(function () { showErrors({message: UI.network, detail: []}); });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
