// Package accesslog reviews EHR audit logs for the HIPAA Security Rule.
//
// It reads audit and access logs — delimited exports described by a mapping
// file or a built-in profile, FHIR R4 AuditEvent resources (JSON, NDJSON,
// XML) and IHE ATNA / RFC 3881 / DICOM audit messages — together with
// rosters of EHR accounts, HR records, patients and encounters, and runs
// every detector in one streaming pass. Memory grows with the number of
// users and patients, never with the number of events: events are looked at
// once and dropped; only findings and the few events each one cites are kept.
//
// Detectors use the rule IDs of the catalog's finding rules: shared
// credentials (SH-01 to SH-04), account lifecycle (AC-01 to AC-04, AC-06),
// inappropriate access to patient records (PA-01 to PA-15) and audit-log
// integrity (IN-01). An access that an encounter, appointment or care-team
// link explains is not reported by the snooping rules unless the
// configuration asks for it.
//
// Nothing in this package writes patient data to logs or error messages:
// errors name the file, line, column and field, never a cell's content
// (except the value of a time column that cannot be read, which is needed
// to fix a time format and holds no patient data).
package accesslog
