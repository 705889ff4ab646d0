package policy

import "strings"

// BlockKind is the kind of a block of a policy document.
type BlockKind int

// The block kinds of the small Markdown subset the policy templates use:
// headings (#, ##, ###), paragraphs, bulleted (-) and numbered (1.) lists,
// notes (>) and pipe tables.
const (
	BlockHeading BlockKind = iota
	BlockParagraph
	BlockBullets
	BlockNumbers
	BlockNote
	BlockTable
)

// Span is a run of text, bold or not.
type Span struct {
	Text string
	Bold bool
}

// Block is one block of a document.
type Block struct {
	Kind  BlockKind
	Level int      // heading level, 1–3
	Text  []Span   // heading, paragraph and note text
	Items [][]Span // list items
	Head  []string // table header
	Rows  [][]string
}

// Parse reads the Markdown subset of a policy body into blocks.
func Parse(md string) []Block {
	var out []Block
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, Block{Kind: BlockParagraph, Text: Inline(strings.Join(para, " "))})
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " ")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case strings.HasPrefix(line, "#"):
			flush()
			level := len(line) - len(strings.TrimLeft(line, "#"))
			out = append(out, Block{Kind: BlockHeading, Level: min(level, 3), Text: Inline(strings.TrimSpace(line[level:]))})
		case strings.HasPrefix(line, "> "):
			flush()
			text := []string{strings.TrimPrefix(line, "> ")}
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "> ") {
				i++
				text = append(text, strings.TrimPrefix(lines[i], "> "))
			}
			out = append(out, Block{Kind: BlockNote, Text: Inline(strings.Join(text, " "))})
		case strings.HasPrefix(line, "|"):
			flush()
			b := Block{Kind: BlockTable, Head: cells(line)}
			for i+1 < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i+1]), "|") {
				i++
				row := cells(lines[i])
				if isRule(row) {
					continue
				}
				b.Rows = append(b.Rows, row)
			}
			out = append(out, b)
		case strings.HasPrefix(line, "- "), numbered(line) > 0:
			flush()
			kind := BlockBullets
			if numbered(line) > 0 {
				kind = BlockNumbers
			}
			b := Block{Kind: kind}
			item := []string{itemText(line)}
		items:
			for i+1 < len(lines) {
				next := lines[i+1]
				switch {
				case (kind == BlockBullets && strings.HasPrefix(next, "- ")) || (kind == BlockNumbers && numbered(next) > 0):
					b.Items = append(b.Items, Inline(strings.Join(item, " ")))
					item = []string{itemText(next)}
					i++
					continue
				case strings.HasPrefix(next, "  ") && strings.TrimSpace(next) != "":
					item = append(item, strings.TrimSpace(next))
					i++
					continue
				}
				break items
			}
			b.Items = append(b.Items, Inline(strings.Join(item, " ")))
			out = append(out, b)
		default:
			para = append(para, trimmed)
		}
	}
	flush()
	return out
}

// numbered returns the length of a "1. " style prefix, or 0.
func numbered(line string) int {
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 0 && i+1 < len(line) && line[i] == '.' && line[i+1] == ' ' {
		return i + 2
	}
	return 0
}

func itemText(line string) string {
	if n := numbered(line); n > 0 {
		return strings.TrimSpace(line[n:])
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "- "))
}

func cells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	parts := strings.Split(line, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func isRule(row []string) bool {
	for _, c := range row {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

// Inline splits text into plain and **bold** spans.
func Inline(s string) []Span {
	var out []Span
	bold := false
	for {
		i := strings.Index(s, "**")
		if i < 0 {
			break
		}
		if i > 0 {
			out = append(out, Span{Text: s[:i], Bold: bold})
		}
		bold = !bold
		s = s[i+2:]
	}
	if s != "" {
		out = append(out, Span{Text: s, Bold: bold})
	}
	return out
}

// Plain returns the text of spans without markup.
func Plain(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}
