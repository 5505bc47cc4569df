// Preloaded into the Agents Playground with `node --require`: nothing it does may leave this
// machine. Its telemetry probes 169.254.169.254 and looks up an Application Insights host even
// with --disable-telemetry, and it listens on every interface; here every server binds to
// 127.0.0.1, every outgoing connection and every DNS lookup of a name other than localhost is
// refused, and each refusal is counted in the log so a test can see what was attempted.
"use strict";
const net = require("net");
const dns = require("dns");

const isLoopback = (host) => {
  if (host === undefined || host === null || host === "") return true; // node's default: localhost
  const h = String(host).replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\./.test(h) || /^::ffff:127\./.test(h);
};

const refuse = (what) => {
  const error = new Error(`refused by loopback-only preload: ${what}`);
  error.code = "ECONNREFUSED";
  if (process.env.ACCORD_PRELOAD_LOG) {
    try { require("fs").appendFileSync(process.env.ACCORD_PRELOAD_LOG, `refused ${what}\n`); } catch (_) { /* ignore */ }
  }
  return error;
};

// Outgoing connections (http, https, tls and raw sockets all end here).
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let options = args[0];
  if (Array.isArray(options)) options = options[0]; // node's internal normalised form
  let host;
  let path;
  if (options !== null && typeof options === "object") {
    host = options.host;
    path = options.path;
  } else if (typeof options === "number" || (typeof options === "string" && /^\d+$/.test(options))) {
    host = typeof args[1] === "string" ? args[1] : undefined;
  } else if (typeof options === "string") {
    path = options; // a unix socket
  }
  if (!path && !isLoopback(host)) {
    const error = refuse(`connection to ${host}`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

// Name lookups.
const wrapCallback = (original, name) =>
  function (hostname, ...rest) {
    if (isLoopback(hostname)) return original.call(this, hostname, ...rest);
    const callback = rest.reverse().find((x) => typeof x === "function");
    const error = refuse(`${name} ${hostname}`);
    error.code = "ENOTFOUND";
    if (callback) process.nextTick(() => callback(error));
  };
const wrapPromise = (original, name) =>
  function (hostname, ...rest) {
    if (isLoopback(hostname)) return original.call(this, hostname, ...rest);
    const error = refuse(`${name} ${hostname}`);
    error.code = "ENOTFOUND";
    return Promise.reject(error);
  };
for (const name of ["lookup", "resolve", "resolve4", "resolve6", "resolveAny", "resolveCname", "resolveTxt", "resolveSrv"]) {
  if (typeof dns[name] === "function") dns[name] = wrapCallback(dns[name], name);
  if (dns.promises && typeof dns.promises[name] === "function") dns.promises[name] = wrapPromise(dns.promises[name], name);
  if (dns.Resolver && typeof dns.Resolver.prototype[name] === "function") {
    dns.Resolver.prototype[name] = wrapCallback(dns.Resolver.prototype[name], name);
  }
}

// Servers: bind to 127.0.0.1 whatever the program asked for.
const listen = net.Server.prototype.listen;
const anyAddress = (host) => host === undefined || host === null || host === "" || host === "0.0.0.0" || host === "::";
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === "object" && !Array.isArray(first) && "port" in first) {
    if (anyAddress(first.host)) args[0] = { ...first, host: "127.0.0.1" };
  } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    if (typeof args[1] === "string") {
      if (anyAddress(args[1])) args[1] = "127.0.0.1";
    } else {
      args.splice(1, 0, "127.0.0.1");
    }
  }
  return listen.apply(this, args);
};
