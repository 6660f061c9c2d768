package passhash

import "testing"

func TestHashCheck(t *testing.T) {
	for _, c := range []struct{ t, m uint32 }{{Time, Memory}, {LightTime, LightMemory}} {
		h := Hash("Passw0rd!", c.t, c.m)
		if !Check(h, "Passw0rd!") || Check(h, "Passw0rd?") || Check(h, "") {
			t.Fatalf("cost %d/%d: %s", c.t, c.m, h)
		}
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$", "$bcrypt$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=1024,t=99,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=1024,t=1,p=0$c2FsdA$aGFzaA"} {
		if Check(bad, "x") {
			t.Errorf("%q matched", bad)
		}
	}
}
