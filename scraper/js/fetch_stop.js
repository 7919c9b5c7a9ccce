/* Stop job arguments[0]; pages in flight finish unparsed. */
var jobs = window.__reviewlensJobs || {}, job = jobs[arguments[0]];
if (job) { job.stop(); delete jobs[arguments[0]]; }
return !!job;
