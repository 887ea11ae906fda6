import Metering
import Testing

@Suite("History health in the snapshot")
struct HistoryHealthTests {
    @Test("the history is unavailable until opened, available once open or written, and unavailable after a failed write until the next good one")
    func historyAvailability() {
        let state = MeterState()
        #expect(!state.snapshot.historyAvailable, "no history opened yet")
        state.recordHistoryOpened()
        #expect(state.snapshot.historyAvailable)
        state.recordHistoryError()
        #expect(!state.snapshot.historyAvailable && state.snapshot.historyErrors == 1)
        state.recordHistoryWrite(seconds: 0.1)
        #expect(state.snapshot.historyAvailable, "a good write after a failure")
    }
}
