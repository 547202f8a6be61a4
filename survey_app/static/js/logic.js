/* The rule language of questionnaires on the tablet: the mirror of questionnaires/logic.py,
   written from the same specification (docs/questionnaire-format.md, "What each operator
   means") and held to it by the same case table (tests/rules/cases.json) and a differential
   test in Chromium.  No coercion: 1 == "1" is false, "3" + 1 is null; unanswered is null. */
(function (root) {
  "use strict";

  var ARITY = {
    "var": [0, 2], "missing": [0, null],
    "==": [2, 2], "!=": [2, 2], "===": [2, 2], "!==": [2, 2],
    "<": [2, 3], "<=": [2, 3], ">": [2, 3], ">=": [2, 3],
    "!": [1, 1], "!!": [1, 1], "and": [1, null], "or": [1, null], "if": [0, null],
    "in": [2, 2],
    "+": [0, null], "-": [1, 2], "*": [1, null], "/": [2, 2], "%": [2, 2],
    "min": [1, null], "max": [1, null]
  };
  var MAX_DEPTH = 64;
  var MAX_SAFE_INTEGER = 9007199254740991;
  var has = Object.prototype.hasOwnProperty;

  function RuleError(message) { this.message = message; }

  function isObject(v) { return typeof v === "object" && v !== null && !Array.isArray(v); }
  function isOperation(v) { return isObject(v) && Object.keys(v).length === 1; }

  function truthy(v) {
    if (v === null || v === undefined || v === false) return false;
    if (v === true) return true;
    if (typeof v === "number") return v !== 0 && !isNaN(v);
    if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
    return true;
  }

  function number(v) { return typeof v === "number" && isFinite(v) ? v : null; }
  function finite(v) { return isFinite(v) ? v : null; }

  /* Code-point order, as Python compares strings (UTF-16 order differs above U+FFFF). */
  function compareText(a, b) {
    var i = 0, j = 0;
    while (i < a.length && j < b.length) {
      var ca = a.codePointAt(i), cb = b.codePointAt(j);
      if (ca !== cb) return ca < cb ? -1 : 1;
      i += ca > 0xffff ? 2 : 1;
      j += cb > 0xffff ? 2 : 1;
    }
    var ra = a.length - i, rb = b.length - j;
    return ra === rb ? 0 : (ra < rb ? -1 : 1);
  }

  function contains(haystack, needle) {
    if (!/[\ud800-\udfff]/.test(haystack + needle)) return haystack.indexOf(needle) >= 0;
    var h = Array.from(haystack), n = Array.from(needle);  // by code point, as Python's `in`
    for (var i = 0; i + n.length <= h.length; i++) {
      var k = 0;
      while (k < n.length && h[i + k] === n[k]) k++;
      if (k === n.length) return true;
    }
    return false;
  }

  function same(a, b) {
    if (a === null || a === undefined || b === null || b === undefined) {
      return (a === null || a === undefined) && (b === null || b === undefined);
    }
    if (typeof a === "boolean" || typeof b === "boolean") return a === b;
    var na = number(a), nb = number(b);
    if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
    if (typeof a === "string" || typeof b === "string") return a === b;
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
      return true;
    }
    return false;
  }

  function ordered(a, b, test) {
    var na = number(a), nb = number(b);
    if (na !== null && nb !== null) return test(na < nb ? -1 : (na > nb ? 1 : 0));
    if (typeof a === "string" && typeof b === "string") return test(compareText(a, b));
    return false;
  }

  function chain(test) {
    return function (v) {
      for (var i = 0; i + 1 < v.length; i++) if (!ordered(v[i], v[i + 1], test)) return false;
      return true;
    };
  }

  function numbers(values) {
    var out = [];
    for (var i = 0; i < values.length; i++) {
      var n = number(values[i]);
      if (n === null) return null;
      out.push(n);
    }
    return out;
  }

  function sum(v) {
    var n = numbers(v);
    if (n === null) return null;
    var total = 0;
    for (var i = 0; i < n.length; i++) total += n[i];
    return finite(total);
  }
  function product(v) {
    var n = numbers(v);
    if (n === null) return null;
    var total = n[0];
    for (var i = 1; i < n.length; i++) total *= n[i];
    return finite(total);
  }
  function minus(v) {
    var n = numbers(v);
    if (n === null) return null;
    return n.length === 1 ? finite(-n[0]) : finite(n[0] - n[1]);
  }
  function divide(v) {
    var n = numbers(v);
    if (n === null || n[1] === 0) return null;
    return finite(n[0] / n[1]);
  }
  function remainder(v) {
    var n = numbers(v);
    if (n === null || n[1] === 0) return null;
    return finite(n[0] % n[1]);
  }
  function extreme(pick) {
    return function (v) {
      var n = numbers(v);
      return n === null ? null : pick.apply(null, n);
    };
  }
  function inside(v) {
    var needle = v[0], haystack = v[1];
    if (typeof haystack === "string") return typeof needle === "string" && contains(haystack, needle);
    if (Array.isArray(haystack)) {
      for (var i = 0; i < haystack.length; i++) if (same(needle, haystack[i])) return true;
    }
    return false;
  }

  function lookup(data, name) {
    if (name === null || name === undefined || name === "" || (Array.isArray(name) && !name.length)) return data;
    if (typeof name === "number") {
      if (!isFinite(name) || name !== Math.trunc(name) || Math.abs(name) > MAX_SAFE_INTEGER) return null;
      name = String(Math.trunc(name) + 0);  // -0 names "0", as in Python
    }
    if (typeof name !== "string") return null;
    var keys = name.split(".");
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i];
      if (isObject(data) && has.call(data, key)) data = data[key];
      else if (Array.isArray(data) && /^[0-9]+$/.test(key) && Number(key) < data.length) data = data[Number(key)];
      else return null;
      if (data === null || data === undefined) return null;
    }
    return data;
  }

  var EAGER = {
    "==": function (v) { return same(v[0], v[1]); },
    "===": function (v) { return same(v[0], v[1]); },
    "!=": function (v) { return !same(v[0], v[1]); },
    "!==": function (v) { return !same(v[0], v[1]); },
    "<": chain(function (c) { return c < 0; }),
    "<=": chain(function (c) { return c <= 0; }),
    ">": chain(function (c) { return c > 0; }),
    ">=": chain(function (c) { return c >= 0; }),
    "!": function (v) { return !truthy(v[0]); },
    "!!": function (v) { return truthy(v[0]); },
    "in": inside,
    "+": sum, "-": minus, "*": product, "/": divide, "%": remainder,
    "min": extreme(Math.min), "max": extreme(Math.max),
    "var": function (v, data) {
      var found = lookup(data, v.length ? v[0] : null);
      return found === null && v.length > 1 ? v[1] : found;
    },
    "missing": function (v, data) {
      var names = v.length && Array.isArray(v[0]) ? v[0] : v;
      return names.filter(function (n) { var x = lookup(data, n); return x === null || x === ""; });
    }
  };

  function apply(rule, data, depth) {
    if (!Array.isArray(rule) && !isOperation(rule)) return rule;
    if (depth > MAX_DEPTH) throw new RuleError("a rule may nest at most " + MAX_DEPTH + " levels");
    if (Array.isArray(rule)) return rule.map(function (item) { return apply(item, data, depth + 1); });
    var op = Object.keys(rule)[0];
    if (!has.call(ARITY, op)) throw new RuleError("unknown operator " + op);
    var args = rule[op];
    if (!Array.isArray(args)) args = [args];
    var least = ARITY[op][0], most = ARITY[op][1];
    if (args.length < least || (most !== null && args.length > most)) throw new RuleError("arity of " + op);
    var i, value;
    if (op === "if") {
      for (i = 0; i + 1 < args.length; i += 2) {
        if (truthy(apply(args[i], data, depth + 1))) return apply(args[i + 1], data, depth + 1);
      }
      return args.length % 2 === 1 ? apply(args[args.length - 1], data, depth + 1) : null;
    }
    if (op === "and" || op === "or") {
      value = null;
      for (i = 0; i < args.length; i++) {
        value = apply(args[i], data, depth + 1);
        if (truthy(value) === (op === "or")) return value;
      }
      return value;
    }
    var values = args.map(function (a) { return apply(a, data, depth + 1); });
    return EAGER[op](values, data);
  }

  function evaluate(rule, data) {
    try { return apply(rule, data, 0); } catch (e) { return null; }
  }

  root.SanquLogic = { evaluate: evaluate, truthy: truthy, operators: Object.keys(ARITY) };
})(typeof self !== "undefined" ? self : this);
