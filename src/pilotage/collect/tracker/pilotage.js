/*
 * Pilotage tracker: cookieless page views and events for a Pilotage collector.
 *
 * Readable source; the server strips comments and blanks once (pilotage.collect.tracker)
 * and a test keeps the result under 1 KB gzipped, which is why names are short and
 * declarations shared. Written for Pilotage; the payload follows Plausible's documented
 * event format (short keys n, u, d, r, w, p, $, i, h) so either tracker can feed either
 * collector. Why each choice was made is in docs/tracker.md.
 *
 * Nothing is stored in the browser: no cookie, no localStorage or sessionStorage write.
 * The only storage read is the opt-out flag localStorage.pilotage_ignore.
 */
(function (win, doc, loc) {
  var tag = doc.currentScript,
    data = tag.dataset,
    api = data.api || new URL(tag.src).origin + "/api/event",
    domain = data.domain || loc.hostname,
    hash = "hash" in data,
    files =
      /\.(pdf|xlsx|docx|txt|rtf|csv|exe|key|pps|pptx?|7z|pkg|rar|gz|zip|avi|mov|mp4|mpeg|wmv|midi|mp3|wav|wma|dmg)$/i,
    queue = (win.pilotage && win.pilotage.q) || [],
    last;

  // Developers' own visits (loopback, file:) and automated browsers would pollute the
  // statistics; data-local and data-allow-automation lift these rules (tests, demos).
  // Blocked storage (sandboxed frame, strict privacy settings) throws: not an opt-out.
  function ignored() {
    try {
      return (
        (!("local" in data) &&
          (/^(localhost|127(\.\d+){3}|\[::1\])$/.test(loc.hostname) || loc.protocol == "file:")) ||
        (!("allowAutomation" in data) && navigator.webdriver) ||
        localStorage.pilotage_ignore == "true"
      );
    } catch {}
  }

  function send(name, opts) {
    opts = opts || {};
    var done = function () {
        opts.callback && opts.callback();
      },
      body = { n: name, u: loc.href, d: domain, r: doc.referrer || null, w: win.innerWidth };
    if (ignored()) return done();
    if (opts.props) body.p = opts.props;
    if (opts.revenue) body.$ = opts.revenue;
    if (opts.interactive === false) body.i = false;
    if (hash) body.h = 1;
    // A string body goes as text/plain: a "simple" request, so no CORS preflight.
    // keepalive lets the request outlive the page, so a link click that navigates away
    // keeps its event and navigation never has to be delayed.
    fetch(api, { method: "POST", body: JSON.stringify(body), keepalive: true }).then(done, done);
  }

  // Single-page apps change the URL without a load; only a new path (and hash in hash mode)
  // is a new page, so query-string updates and state bookkeeping are not counted.
  function pageview() {
    var page = loc.pathname + (hash ? loc.hash : "");
    if (page != last) {
      last = page;
      send("pageview");
    }
  }

  function click(event) {
    var link = event.target.closest("a[href]");
    // auxclick also fires for the right button, which opens a menu, not the link.
    if (!link || !/^https?:$/.test(link.protocol) || (event.type == "auxclick" && event.button != 1)) {
      return;
    }
    if (files.test(link.pathname)) {
      // Query and fragment may carry a signed-URL token: keep only the file's address.
      send("File Download", { props: { url: link.origin + link.pathname } });
    } else if (link.host != loc.host) {
      send("Outbound Link: Click", { props: { url: link.href } });
    }
  }

  ["pushState", "replaceState"].forEach(function (method) {
    var original = history[method];
    history[method] = function () {
      original.apply(this, arguments);
      pageview();
    };
  });
  win.addEventListener("popstate", pageview);
  if (hash) win.addEventListener("hashchange", pageview);
  // Capture phase: a page handler that stops propagation must not hide the click.
  doc.addEventListener("click", click, true);
  doc.addEventListener("auxclick", click, true);
  // A prerendered page that is never shown is not a page view.
  if (doc.prerendering) doc.addEventListener("prerenderingchange", pageview);
  else pageview();

  // Replay the calls queued by the snippet before this script ran, then take its place.
  win.pilotage = send;
  queue.forEach(function (args) {
    send.apply(null, args);
  });
})(window, document, location);
