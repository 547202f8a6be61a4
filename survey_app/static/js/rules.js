/* Validation of one response in the browser, the mirror of questionnaires/validate.py:
   the same type checks, skip logic in dependency order, required-when-relevant and
   constraints, with the server's own message catalogue (questionnaires/messages.py).
   A browser test runs the same cases through both and compares. */
(function (root) {
  "use strict";

  var truthy = root.SanquLogic.truthy;

  function evaluate(rule, data) {
    if (rule === null || rule === undefined) return true;
    return root.SanquLogic.evaluate(rule, data);
  }

  var MAX_SAFE_NUMBER = 9007199254740991;  // types.py MAX_SAFE_NUMBER
  function isNumber(v) { return typeof v === "number" && isFinite(v); }
  function refuseTooLarge(v) {
    if (typeof v === "number" && !(Math.abs(v) <= MAX_SAFE_NUMBER)) throw problem("too_large", { max: MAX_SAFE_NUMBER });
  }
  function problem(code, params) { return { code: code, params: params || {} }; }
  function codePoints(s) { return Array.from(s).length; }

  function realDate(s) {
    if (typeof s !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
    var d = new Date(s + "T00:00:00Z");
    return !isNaN(d) && d.toISOString().slice(0, 10) === s;
  }

  // Each returns the normalised value (null for no answer) or throws a problem.
  var TYPES = {
    single: function (q, v) {
      if (v === null || v === undefined || v === "") return null;
      if (typeof v !== "string") throw problem("not_string");
      if (q.options.indexOf(v) < 0) throw problem("not_option", { value: v });
      return v;
    },
    multi: function (q, v) {
      if (v === null || v === undefined) return null;
      if (!Array.isArray(v)) throw problem("not_list");
      var seen = {};
      for (var i = 0; i < v.length; i++) {
        if (typeof v[i] !== "string") throw problem("not_list");
        if (q.options.indexOf(v[i]) < 0) throw problem("not_option", { value: v[i] });
        if (seen[v[i]]) throw problem("duplicate_choice", { value: v[i] });
        seen[v[i]] = true;
      }
      if (!v.length) return null;
      return q.options.filter(function (o) { return seen[o]; });
    },
    likert: function (q, v) {
      if (v === null || v === undefined || v === "") return null;
      refuseTooLarge(v);
      if (typeof v === "boolean" || !isNumber(v) || !Number.isInteger(v)) throw problem("not_integer");
      if (v < q.scale[0] || v > q.scale[1]) throw problem("out_of_scale", { min: q.scale[0], max: q.scale[1] });
      return v;
    },
    number: function (q, v) {
      if (v === null || v === undefined || v === "") return null;
      refuseTooLarge(v);
      if (typeof v === "boolean" || !isNumber(v)) throw problem("not_number");
      if (q.integer && !Number.isInteger(v)) throw problem("not_integer");
      if (q.min !== null && q.min !== undefined && v < q.min) throw problem("below_min", { min: q.min });
      if (q.max !== null && q.max !== undefined && v > q.max) throw problem("above_max", { max: q.max });
      return v;
    },
    text: function (q, v) {
      if (v === null || v === undefined) return null;
      if (typeof v !== "string") throw problem("not_string");
      v = v.trim();
      if (!v) return null;
      var n = codePoints(v);
      if (n > q.max_length) throw problem("too_long", { max: q.max_length, length: n });
      return v;
    },
    note: function (q, v) {  // types.py Note: nothing to answer; a value would be lost, so it is refused
      if (v === null || v === undefined || v === "" || (Array.isArray(v) && !v.length)) return null;
      throw problem("note_answered");
    },
    date: function (q, v) {
      if (v === null || v === undefined || v === "") return null;
      if (!realDate(v)) throw problem("not_date");
      if (q.min && v < q.min) throw problem("date_below_min", { min: q.min });
      if (q.max && v > q.max) throw problem("date_above_max", { max: q.max });
      return v;
    },
  };

  /* Which questions are relevant, and the answers with the hidden ones cleared. */
  function relevantQuestions(spec, answers) {
    var kept = {}, relevant = {};
    spec.order.forEach(function (qid) {
      var rules = spec.questions[qid].rules;
      var ok = rules.every(function (rule) { return truthy(evaluate(rule, kept)); });
      if (ok) {
        relevant[qid] = true;
        if (Object.prototype.hasOwnProperty.call(answers, qid)) kept[qid] = answers[qid];
      }
    });
    return { relevant: relevant, kept: kept };
  }

  function validate(spec, answers) {
    var result = { answers: {}, errors: {}, relevant: {} };
    var normalised = {}, typeErrors = {};
    Object.keys(answers).forEach(function (key) {
      var q = spec.questions[key];
      if (!q) { (result.errors[key] = result.errors[key] || []).push(problem("unknown_question")); return; }
      try {
        var value = TYPES[q.type](q, answers[key]);
        if (value !== null) normalised[key] = value;
      } catch (p) { typeErrors[key] = p; }
    });
    var r = relevantQuestions(spec, normalised);
    result.relevant = r.relevant;
    Object.keys(spec.questions).forEach(function (qid) {  // questionnaire order
      if (!r.relevant[qid]) return;
      var q = spec.questions[qid];
      if (typeErrors[qid]) { (result.errors[qid] = []).push(typeErrors[qid]); return; }
      if (!Object.prototype.hasOwnProperty.call(r.kept, qid)) {
        if (q.required) {
          var req = problem("required");
          if (q.required_message) req.custom = q.required_message;
          result.errors[qid] = [req];
        }
        return;
      }
      if (q.constraint !== undefined && !truthy(evaluate(q.constraint, r.kept))) {
        var p = problem("constraint");
        if (q.constraint_message) p.custom = q.constraint_message;
        result.errors[qid] = [p];
        return;
      }
      result.answers[qid] = r.kept[qid];
    });
    return result;
  }

  function render(spec, p, lang) {
    if (p.custom) return (lang === "en" && p.custom.en) || p.custom.zh;
    var texts = spec.messages[p.code];
    var text = (lang === "en" && texts.en) || texts.zh;
    return text.replace(/\{(\w+)\}/g, function (_, k) { return String(p.params[k]); });
  }

  root.SanquRules = { validate: validate, relevantQuestions: relevantQuestions, render: render, truthy: truthy };
})(typeof self !== "undefined" ? self : this);
