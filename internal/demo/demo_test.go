package demo

import (
	"testing"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func TestScriptedAnswersExist(t *testing.T) {
	cat := catalog.MustDefault()
	for _, id := range Scripted() {
		q, ok := cat.Question(id)
		if !ok {
			t.Errorf("the demo scripts %s, which is not in the question bank", id)
			continue
		}
		for _, m := range []map[string]answer{thisYear, lastYear} {
			if a, ok := m[id]; ok {
				if _, offered := q.Option(a.value); !offered {
					t.Errorf("the demo answers %s with %s, which it does not offer", id, a.value)
				}
			}
		}
	}
}

func TestDemoAnswersAreMixed(t *testing.T) {
	cat := catalog.MustDefault()
	counts := map[hipaa.AnswerValue]int{}
	for _, a := range answersFor(cat, thisYear) {
		counts[hipaa.AnswerValue(a.Value)]++
	}
	if counts[hipaa.AnswerYes] < counts[hipaa.AnswerNo]*3 || counts[hipaa.AnswerNo] == 0 || counts[hipaa.AnswerPartial] == 0 || counts[hipaa.AnswerUnknown] == 0 {
		t.Errorf("demo answers are not a realistic mix: %v", counts)
	}
}
