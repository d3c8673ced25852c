import pytest
from journey_help import journey, declare
from war_room_help import isolated  # noqa: F401


async def test_probe(sim, isolated):
    DUMP = "/tmp/jprobe3.txt"
    open(DUMP, "w").close()
    def dump(j, label):
        with open(DUMP, "a") as f:
            f.write(f"\n===== {label} (keys {j.keys}) =====\n{j.text()}\n")
    async with journey("traffic-surge", sim, isolated) as j:
        await j.fault()
        await j.advance(30)
        await declare(j, ("api-gateway",), "P2", None)
        await j.press("1")
        await j.pilot.pause(0.5)
        await j.press("j")
        await j.pilot.pause(0.5)
        dump(j, "j")
        await j.press("S")
        await j.pilot.pause(1.5)
        dump(j, "S")
        await j.press("enter")
        await j.pilot.pause(1.5)
        dump(j, "enter")
