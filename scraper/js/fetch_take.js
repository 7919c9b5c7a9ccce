/* Async: hand over up to `want` queued pages of job arguments[0] (waiting at most maxWait ms after the first). */
var job = (window.__reviewlensJobs || {})[arguments[0]], cb = arguments[arguments.length - 1];
if (!job) cb('{"gone": true}'); else job.take(arguments[1], arguments[2], cb);
