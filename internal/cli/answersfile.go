package cli

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// readAnswersFile reads a YAML answers file: a mapping from question ID to
// either an answer ("yes") or a mapping with answer, note and justification.
// Every entry remembers its file:line for error messages.
func readAnswersFile(path string) ([]app.AnswerInput, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "cannot read answers file %s: %s", path, firstLine(err.Error()))
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: not valid YAML: %s", path, strings.TrimPrefix(firstLine(err.Error()), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the file is empty: write one line per question, e.g. `SM-01: yes`", path)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: expected question IDs with their answers, e.g. `SM-01: yes`", path, root.Line)
	}
	var out []app.AnswerInput
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		where := fmt.Sprintf("%s:%d", path, k.Line)
		id := strings.ToUpper(strings.TrimSpace(k.Value))
		if prev, dup := seen[id]; dup {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: question %s is answered twice (also on line %d)", where, id, prev)
		}
		seen[id] = k.Line
		in := app.AnswerInput{QuestionID: id, Where: where}
		switch v.Kind {
		case yaml.ScalarNode:
			in.Value = v.Value
		case yaml.MappingNode:
			for j := 0; j+1 < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				if fv.Kind != yaml.ScalarNode {
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: %s must be text", path, fv.Line, fk.Value)
				}
				switch fk.Value {
				case "answer":
					in.Value = fv.Value
				case "note":
					in.Note = fv.Value
				case "justification":
					in.Justification = fv.Value
				default:
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: unknown field %q: use answer, note and justification", path, fk.Line, fk.Value)
				}
			}
			if in.Value == "" {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s: question %s has no `answer:`", where, id)
			}
		default:
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the answer to %s must be a word such as yes, or a mapping with answer:", where, id)
		}
		out = append(out, in)
	}
	return out, nil
}
