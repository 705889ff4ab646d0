package report

// penaltyContext returns the civil money penalty tiers of 45 CFR 160.404(b)(2)
// at the amounts adjusted for inflation in 45 CFR 102.3 for 2025, with the
// yearly caps OCR announced in its 2019 notice of enforcement discretion.
// The figures are context for the practice owner, not legal advice.
func penaltyContext() Penalties {
	return Penalties{
		Label:       "Context, not legal advice",
		Basis:       "45 CFR 160.404(b)(2), amounts adjusted for inflation in 45 CFR 102.3",
		AdjustedFor: "2025",
		Tiers: []PenaltyTier{
			{Tier: 1, Culpability: "The practice did not know of the violation and could not reasonably have known",
				MinPerViolate: 145, MaxPerViolate: 73011, YearlyCap: 2190294, DiscretionCap: 25000},
			{Tier: 2, Culpability: "Reasonable cause, but not willful neglect",
				MinPerViolate: 1461, MaxPerViolate: 73011, YearlyCap: 2190294, DiscretionCap: 100000},
			{Tier: 3, Culpability: "Willful neglect, corrected within 30 days of discovery",
				MinPerViolate: 14602, MaxPerViolate: 73011, YearlyCap: 2190294, DiscretionCap: 250000},
			{Tier: 4, Culpability: "Willful neglect, not corrected within 30 days",
				MinPerViolate: 73011, MaxPerViolate: 2190294, YearlyCap: 2190294, DiscretionCap: 1500000},
		},
		Notes: []string{
			"OCR decides the tier from how much the practice knew and how quickly it fixed the problem; it also weighs the harm done, the practice's history and its finances (45 CFR 160.408).",
			"Since 2019 OCR has said it will cap yearly totals at the lower amounts in the last column for tiers 1 to 3 (a notice of enforcement discretion, not a change to the regulation). Those caps may also be raised for inflation.",
			"A risk analysis that is current, complete and acted upon is the practice's best evidence that a problem was not willful neglect. Missing or out-of-date risk analyses are the failing OCR cites most often.",
			"The amounts change every year. Ask a health-care attorney about any actual exposure.",
		},
	}
}
