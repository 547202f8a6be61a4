/* The device's own storage (IndexedDB): drafts, the outgoing queue, the log of what was sent,
   and a few settings.  Every answer is written here at once, so a reload, a closed tab or a
   flat battery loses nothing; an item leaves the queue only when the server has it. */
(function (root) {
  "use strict";
  var DB_NAME = "sanqu", DB_VERSION = 1, opening = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "uuid" });
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "uuid" });
        if (!db.objectStoreNames.contains("sent")) db.createObjectStore("sent", { keyPath: "uuid" });
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { opening = null; reject(req.error); };
    });
    return opening;
  }

  function run(storeName, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode), result;
        var request = work(tx.objectStore(storeName));
        if (request) request.onsuccess = function () { result = request.result; };
        // Resolved only when the transaction is committed: durable before we say "saved".
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
      });
    });
  }

  var Store = {
    get: function (s, key) { return run(s, "readonly", function (st) { return st.get(key); }); },
    all: function (s) { return run(s, "readonly", function (st) { return st.getAll(); }); },
    count: function (s) { return run(s, "readonly", function (st) { return st.count(); }); },
    put: function (s, value, key) { return run(s, "readwrite", function (st) { return key === undefined ? st.put(value) : st.put(value, key); }); },
    del: function (s, key) { return run(s, "readwrite", function (st) { return st.delete(key); }); },
    /* Move a finished response from drafts to the queue in one transaction: never in both, never in neither. */
    enqueue: function (item) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(["drafts", "queue"], "readwrite");
          tx.objectStore("queue").put(item);
          tx.objectStore("drafts").delete(item.uuid);
          tx.oncomplete = function () { resolve(); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
        });
      });
    },
    /* The server has it: out of the queue and into the log of sent uuids, in one transaction. */
    delivered: function (uuid, record) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(["queue", "sent"], "readwrite");
          tx.objectStore("queue").delete(uuid);
          tx.objectStore("sent").put(record);
          tx.oncomplete = function () { resolve(); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
        });
      });
    },
    /* The server no longer holds a delivered item (a restore): back into the queue, out of the
       sent log, in one transaction; its uuid makes the resend safe. */
    requeue: function (item) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(["queue", "sent"], "readwrite");
          tx.objectStore("queue").put(item);
          tx.objectStore("sent").delete(item.uuid);
          tx.oncomplete = function () { resolve(); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
        });
      });
    },
    meta: function (key) { return Store.get("meta", key); },
    setMeta: function (key, value) { return Store.put("meta", value, key); },
  };
  root.SanquStore = Store;
})(typeof self !== "undefined" ? self : this);
