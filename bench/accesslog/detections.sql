-- The audit-log detections of safeguard's accesslog package written as SQL,
-- for DuckDB, over the same generated files (an Epic ACCESS_LOG-style CSV and
-- the rosters). run.mjs replaces {{DATA}} with the data directory and
-- {{AS_OF}} with the roster date, runs every statement in order and times
-- the whole script. The last statement returns the findings per rule.
--
-- The SQL follows the Go detectors' definitions and default thresholds; it
-- classifies each distinct action text once (as the Go code does) and checks
-- explanations (visits in [-30, +7] days by the same user, department, or any
-- visit for billing/front-desk/records roles) only for candidate accesses.

-- Events, with the action vocabulary classified once.
CREATE OR REPLACE TEMP TABLE raw AS
SELECT ACCESS_LOG_ID AS rec, ACCESS_TIME AS t, lower(trim(USER_ID)) AS u, PAT_ID AS p, METRIC_NAME AS a,
       WORKSTATION_ID AS ws, IP_ADDRESS AS ip, DEPARTMENT_NAME AS dept, BTG_REASON AS btg
FROM read_csv('{{DATA}}/events.csv', header = true, delim = ',', quote = '"',
  columns = {'ACCESS_LOG_ID': 'BIGINT', 'ACCESS_TIME': 'TIMESTAMP', 'USER_ID': 'VARCHAR', 'PAT_ID': 'VARCHAR',
             'METRIC_NAME': 'VARCHAR', 'WORKSTATION_ID': 'VARCHAR', 'IP_ADDRESS': 'VARCHAR', 'DEPARTMENT_NAME': 'VARCHAR',
             'BTG_REASON': 'VARCHAR'});

CREATE OR REPLACE TEMP TABLE actions AS
SELECT a,
  CASE
    WHEN (l LIKE '%audit%' AND regexp_matches(l, 'disable|clear|purge|stop|delet| off|suspend|paus')) THEN 'audit_off'
    WHEN regexp_matches(l, 'logout|logoff|log out|log off|sign out|signout|sign off|session end') THEN 'logout'
    WHEN regexp_matches(l, 'login|logon|log in|log on|sign in|signin|sign on|authenticat|password|lockout|locked out') THEN 'login'
    WHEN regexp_matches(l, 'print|fax') THEN 'print'
    WHEN regexp_matches(l, 'export|download|extract|disclos|release of information|send to|transmit') THEN 'export'
    WHEN regexp_matches(l, 'copy|clipboard') THEN 'copy'
    ELSE 'access' END AS cat,
  regexp_matches(l, 'login|logon|log in|sign in|authenticat|password') AND regexp_matches(l, 'fail|invalid|denied|reject|wrong|unsuccessful|error|lockout') AS failed,
  regexp_matches(l, 'break the glass|breakglass|break glass|btg|emergency access|emergency override') AS bg
FROM (SELECT DISTINCT a, replace(replace(lower(a), '-', ' '), '_', ' ') AS l FROM raw);

CREATE OR REPLACE TEMP TABLE ev AS
SELECT r.*, x.cat, x.failed, x.bg OR coalesce(r.btg, '') <> '' AS btgused, CAST(r.t AS DATE) AS day, hour(r.t) AS hr
FROM raw r JOIN actions x USING (a);

-- Rosters.
CREATE OR REPLACE TEMP TABLE users AS SELECT * FROM read_csv('{{DATA}}/users.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE workforce AS SELECT * FROM read_csv('{{DATA}}/workforce.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE patients AS SELECT * FROM read_csv('{{DATA}}/patients.csv', header = true, all_varchar = true);
CREATE OR REPLACE TEMP TABLE encounters AS SELECT * FROM read_csv('{{DATA}}/encounters.csv', header = true, all_varchar = true);

CREATE OR REPLACE MACRO norm_addr(s) AS trim(regexp_replace(
  regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(upper(s), '[^A-Z0-9#]+', ' ', 'g'),
    '\bSTREET\b', 'ST', 'g'), '\bAVENUE\b', 'AVE', 'g'), '\bROAD\b', 'RD', 'g'), '\bDRIVE\b', 'DR', 'g'),
    '\bLANE\b', 'LN', 'g'), '\bCOURT\b', 'CT', 'g'), '(#|\bUNIT\b|\bAPARTMENT\b)', ' APT ', 'g'),
  '\s+', ' ', 'g'));

CREATE OR REPLACE TEMP TABLE staff AS
SELECT lower(us.user_id) AS u, us.role, lower(us.department) AS udept, us.status, us.person_id, us.last_login, us.created,
       w.name AS hrname, w.job_title, TRY_CAST(w.termination_date AS DATE) AS term, w.person_id IS NOT NULL AS inhr,
       upper(regexp_extract(coalesce(nullif(us.name, ''), w.name), '(\S+)\s*$', 1)) AS surname,
       norm_addr(w.address) AS addr,
       regexp_matches(lower(us.role || ' ' || coalesce(w.job_title, '') || ' ' || us.department),
         '\b(billing|biller|coder|coding|front ?desk|reception|registration|scheduling|scheduler|referral|medical records|him|health information|release of information|revenue)\b') AS ops,
       regexp_matches(lower(us.role || ' ' || coalesce(w.job_title, '') || ' ' || us.department),
         '\b(on[ -]?call|hospitalist|night|after[ -]?hours|emergency|urgent care|nocturnist|answering)\b') AS allhours,
       regexp_matches(lower(us.role || ' ' || coalesce(w.job_title, '') || ' ' || us.department),
         '\b(billing|biller|coder|coding|medical records|him|health information|release of information|privacy|compliance)\b') AS dexempt
FROM users us LEFT JOIN workforce w ON w.person_id = us.person_id;

CREATE OR REPLACE TEMP TABLE pt AS
SELECT patient_id AS p, upper(last_name) AS surname, norm_addr(address) AS addr, coalesce(vip, '') <> '' AS vip,
       TRY_CAST(date_of_death AS DATE) AS dod, nullif(employee_person_id, '') AS emp
FROM patients;

CREATE OR REPLACE TEMP TABLE enc AS
SELECT e.patient_id AS p, lower(e.user_id) AS u, CAST(e.date AS DATE) AS d, lower(e.department) AS dept, s.udept AS pdept
FROM encounters e LEFT JOIN staff s ON s.u = lower(e.user_id);

-- Successful accesses to patient records.
CREATE OR REPLACE TEMP TABLE acc AS
SELECT e.u, e.p, e.t, e.day, e.hr, e.cat, e.btgused, lower(e.dept) AS edept
FROM ev e WHERE NOT e.failed AND e.cat IN ('access', 'print', 'export', 'copy') AND coalesce(e.p, '') <> '';

CREATE OR REPLACE MACRO explained(uu, pp, dd, ed, ud, isops) AS EXISTS (
  SELECT 1 FROM enc x WHERE x.p = pp AND x.d BETWEEN dd - 30 AND dd + 7
    AND (x.u = uu OR isops OR x.dept = ud OR x.pdept = ud OR x.dept = ed));

CREATE OR REPLACE TEMP TABLE findings (rule VARCHAR, subject VARCHAR, n BIGINT);

-- SH-01: switching back to the previous workstation within 60 s, 3+ times a day.
INSERT INTO findings
WITH seq AS (
  SELECT u, t, day, coalesce(ws, ip) AS loc, lag(coalesce(ws, ip)) OVER w AS ploc, lag(t) OVER w AS pt
  FROM ev WHERE coalesce(ws, ip) IS NOT NULL WINDOW w AS (PARTITION BY u ORDER BY t, rec)),
sw AS (
  SELECT u, t, day, loc, ploc, pt, lag(ploc) OVER w2 AS pploc, lag(t) OVER w2 AS pswitch
  FROM seq WHERE ploc IS NOT NULL AND loc <> ploc WINDOW w2 AS (PARTITION BY u ORDER BY t)),
days AS (
  SELECT u, day, count(*) AS backs FROM sw
  WHERE date_diff('second', pt, t) <= 60 AND loc = pploc AND date_diff('second', pswitch, t) <= 60 GROUP BY ALL HAVING count(*) >= 3)
SELECT 'SH-01', u, count(*) FROM days GROUP BY u;

-- SH-02: two public /16 networks less than an hour apart.
INSERT INTO findings
WITH pub AS (
  SELECT u, t, split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) AS net FROM ev
  WHERE ip IS NOT NULL AND NOT regexp_matches(ip, '^(10\.|127\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.)')),
hop AS (SELECT u, t, net, lag(net) OVER w AS pnet, lag(t) OVER w AS pt FROM pub WINDOW w AS (PARTITION BY u ORDER BY t))
SELECT 'SH-02', u, count(*) FROM hop WHERE net <> pnet AND date_diff('second', pt, t) <= 3600 GROUP BY u;

-- SH-03: role-like logins, logins used but not on the user list, accounts with no one in HR.
INSERT INTO findings
WITH active AS (SELECT u, count(*) AS n FROM ev WHERE NOT failed GROUP BY u),
cand AS (
  SELECT coalesce(s.u, a.u) AS u, coalesce(a.n, 0) AS n, s.u IS NOT NULL AS inroster, coalesce(s.inhr, false) AS inhr,
         coalesce(lower(s.status) NOT IN ('inactive', 'disabled', 'terminated'), true) AS enabled
  FROM staff s FULL JOIN active a ON a.u = s.u)
SELECT 'SH-03', u, n FROM cand
WHERE (n > 0 OR (inroster AND enabled))
  AND NOT regexp_matches(u, '^(svc|service|interface|hl7|api|sys|system|batch|integration|scanner|fax|mirth|daemon)([ _.-]|\d|$)')
  AND (regexp_matches(u, '^(front[ _.-]?desk|reception(ist)?|check[ _.-]?in|nurse|rn|lpn|ma|med[ _.-]?asst|doctor|dr|provider|physician|admin(istrator)?|office|manager|billing|biller|coder|scheduler|scheduling|staff|clinic|temp|test|user|shared|guest|lab|xray|x[ _.-]?ray|radiology|pharmacy|triage|desk|front|team|default|generic|locum|float|student|intern|resident|scribe|tech)[ _.-]?\d*$')
       OR (NOT inroster AND n > 0) OR (inroster AND NOT inhr));

-- SH-04: activity in 17 or more clock hours of a day, on 2 or more days.
INSERT INTO findings
SELECT 'SH-04', u, count(*) FROM (SELECT u, day FROM ev GROUP BY u, day HAVING count(DISTINCT hr) >= 17) GROUP BY u HAVING count(*) >= 2;

-- AC-01: activity after the termination day.
INSERT INTO findings
SELECT 'AC-01', e.u, count(*) FROM ev e JOIN staff s ON s.u = e.u WHERE s.term IS NOT NULL AND e.day > s.term AND NOT e.failed GROUP BY e.u;

-- AC-02, AC-03, AC-04: accounts as the rosters describe them.
INSERT INTO findings
SELECT 'AC-02', u, 1 FROM staff WHERE lower(status) NOT IN ('inactive', 'disabled', 'terminated') AND term IS NOT NULL
  AND date_diff('day', term, DATE '{{AS_OF}}') > 1;
INSERT INTO findings
WITH last AS (SELECT u, max(day) AS d FROM ev WHERE NOT failed GROUP BY u)
SELECT 'AC-03', s.u, 1 FROM staff s LEFT JOIN last l ON l.u = s.u
WHERE lower(s.status) NOT IN ('inactive', 'disabled', 'terminated') AND (s.term IS NULL OR s.term >= DATE '{{AS_OF}}')
  AND date_diff('day', coalesce(greatest(TRY_CAST(s.last_login AS DATE), l.d), TRY_CAST(s.created AS DATE)), DATE '{{AS_OF}}') > 90;
INSERT INTO findings
SELECT 'AC-04', u, 1 FROM staff
WHERE lower(status) NOT IN ('inactive', 'disabled', 'terminated') AND coalesce(job_title, '') <> ''
  AND regexp_matches(lower(role), '\b(admin(istrator)?|super ?user|security|sys(tem)? ?(admin|manager)|full access|all access|root)\b')
  AND NOT regexp_matches(lower(job_title), '\b((practice|office|clinic|it|operations) manager|it|information technology|system administrator|network administrator|security officer|privacy officer|compliance officer|chief|director|administrator)\b');

-- AC-06: five failed sign-ins within ten minutes.
INSERT INTO findings
WITH f AS (
  SELECT u, t, count(*) OVER (PARTITION BY u ORDER BY t RANGE BETWEEN INTERVAL 10 MINUTE PRECEDING AND CURRENT ROW) AS k
  FROM ev WHERE failed AND cat = 'login')
SELECT 'AC-06', u, count(*) FROM f WHERE k >= 5 GROUP BY u;

-- PA-01/02/03/05: self, household, family, co-worker (most specific first), unexplained.
INSERT INTO findings
WITH rel AS (
  SELECT a.u, a.p, a.day, a.edept, s.udept, s.ops,
    CASE WHEN pt.emp IS NOT NULL AND pt.emp = s.person_id THEN 'PA-01'
         WHEN s.addr <> '' AND pt.addr = s.addr THEN 'PA-03'
         WHEN length(pt.surname) >= 2 AND pt.surname = s.surname THEN 'PA-02'
         WHEN pt.emp IS NOT NULL THEN 'PA-05' END AS rule
  FROM acc a JOIN staff s ON s.u = a.u JOIN pt ON pt.p = a.p
  WHERE (pt.emp IS NOT NULL) OR (s.addr <> '' AND pt.addr = s.addr) OR (pt.surname = s.surname))
SELECT r.rule, r.u || '|' || r.p, count(*) FROM rel r
WHERE r.rule IS NOT NULL AND (r.rule = 'PA-01' OR NOT explained(r.u, r.p, r.day, r.edept, r.udept, r.ops))
GROUP BY ALL;

-- PA-06 VIP and PA-07 deceased (more than 30 days after death, by roles other than records and billing).
INSERT INTO findings
SELECT 'PA-06', a.u || '|' || a.p, count(*) FROM acc a JOIN pt ON pt.p = a.p LEFT JOIN staff s ON s.u = a.u
WHERE pt.vip AND NOT explained(a.u, a.p, a.day, a.edept, s.udept, coalesce(s.ops, false)) GROUP BY ALL;
INSERT INTO findings
SELECT 'PA-07', a.u || '|' || a.p, count(*) FROM acc a JOIN pt ON pt.p = a.p LEFT JOIN staff s ON s.u = a.u
WHERE pt.dod IS NOT NULL AND a.day > pt.dod + 30 AND NOT coalesce(s.dexempt, false)
  AND NOT explained(a.u, a.p, a.day, a.edept, s.udept, coalesce(s.ops, false)) GROUP BY ALL;

-- PA-10: unexplained access outside 07:00–19:00 Monday to Friday, to 2+ patients.
INSERT INTO findings
SELECT 'PA-10', a.u, count(DISTINCT a.p) FROM acc a LEFT JOIN staff s ON s.u = a.u
WHERE (a.hr < 7 OR a.hr >= 19 OR dayofweek(a.day) IN (0, 6)) AND NOT coalesce(s.allhours, false)
  AND NOT explained(a.u, a.p, a.day, a.edept, s.udept, coalesce(s.ops, false))
GROUP BY a.u HAVING count(DISTINCT a.p) >= 2;

-- PA-11: distinct patients in a day above max(50, 3 × the peer group's 90th percentile).
INSERT INTO findings
WITH daily AS (SELECT u, day, count(DISTINCT p) AS n FROM acc GROUP BY ALL),
roles AS (SELECT s.role, count(DISTINCT d.u) AS k FROM daily d JOIN staff s ON s.u = d.u WHERE coalesce(s.role, '') <> '' GROUP BY ALL),
grp AS (SELECT d.*, CASE WHEN r.k >= 5 THEN r.role ELSE '*' END AS g FROM daily d LEFT JOIN staff s ON s.u = d.u LEFT JOIN roles r ON r.role = s.role),
lim AS (SELECT g, greatest(50, 3 * quantile_disc(n, 0.9)) AS lim FROM grp GROUP BY g)
SELECT 'PA-11', u, count(*) FROM grp JOIN lim USING (g) WHERE n > lim GROUP BY u;

-- PA-14: every emergency override.
INSERT INTO findings SELECT 'PA-14', u, count(*) FROM acc WHERE btgused GROUP BY u;

-- PA-15: 20+ patients printed, exported or copied in a day.
INSERT INTO findings
SELECT 'PA-15', u, count(*) FROM (SELECT u, day FROM acc WHERE cat <> 'access' GROUP BY ALL HAVING count(DISTINCT p) >= 20) GROUP BY u;

-- IN-01: hours without events where the weekly rhythm expects 50+; record numbers skipped; logging switched off.
INSERT INTO findings
WITH hours AS (SELECT date_trunc('hour', t) AS h, count(*) AS n FROM ev GROUP BY 1),
span AS (SELECT unnest(generate_series(min(h), max(h), INTERVAL 1 HOUR)) AS h FROM hours),
full_ AS (SELECT s.h, coalesce(x.n, 0) AS n, dayofweek(s.h) * 24 + hour(s.h) AS slot FROM span s LEFT JOIN hours x USING (h)),
base AS (SELECT slot, avg(n) AS mean FROM full_ GROUP BY slot),
z AS (SELECT f.h, b.mean, f.h - to_hours(row_number() OVER (ORDER BY f.h)) AS grp FROM full_ f JOIN base b USING (slot) WHERE f.n = 0),
gaps AS (SELECT min(h) AS start, count(*) AS hours, sum(mean) AS expected FROM z GROUP BY grp)
SELECT 'IN-01', 'gap ' || start, hours FROM gaps WHERE hours >= 2 AND expected >= 50;
INSERT INTO findings
WITH d AS (SELECT rec - lag(rec) OVER (ORDER BY rec) - 1 AS missing FROM ev)
SELECT 'IN-01', 'records', sum(missing) FROM d WHERE missing > 0 HAVING sum(missing) > 0;
INSERT INTO findings SELECT 'IN-01', 'off ' || u, count(*) FROM ev WHERE cat = 'audit_off' AND NOT failed GROUP BY u;

SELECT rule, count(*) AS findings FROM findings GROUP BY rule ORDER BY rule;
