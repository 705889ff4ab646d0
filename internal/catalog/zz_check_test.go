package catalog

import "testing"

func TestZZ(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	t.Log(c, c.Uncovered())
}
