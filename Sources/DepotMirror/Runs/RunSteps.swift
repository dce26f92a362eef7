import DepotCore
import DepotStore
import Foundation
import Logging

/// What every kind of mirror run shares: its progress line and the bounded, verified download of the files
/// the blob store lacks.
protocol RunSteps {
    var engine: MirrorEngine.Parts { get }
    var mirror: MirrorRecord { get }
    var run: RunRecord { get }
    var logger: Logger { get }
}

extension RunSteps {
    var database: AppDatabase { engine.database }
    var mirrorID: Int64 { mirror.id! }

    /// Downloads files the blob store lacks, `engine.downloadConcurrency` at a time.
    func downloadMissing(
        _ upserts: inout [PackageRecord], label: String, counts: inout AppDatabase.RunCounts,
        filtered: inout [FilteredRecord], failed: inout Set<String>
    ) async throws {
        var todo: [Int] = []
        for (i, package) in upserts.enumerated() {
            if let blob = package.blobSHA256, await engine.blobs.contains(sha256: blob) { continue }
            if let sha = package.sha256, await engine.blobs.contains(sha256: sha) {
                upserts[i].blobSHA256 = sha
                continue
            }
            upserts[i].blobSHA256 = nil
            todo.append(i)
        }
        guard !todo.isEmpty else { return }
        let total = todo.count
        var done = 0
        var bytes: Int64 = 0
        var lastReport = ContinuousClock.now
        try await progress("Downloading packages", "Downloading \(label): 0 of \(total) packages", done: 0, total: total)

        try await withThrowingTaskGroup(of: (Int, Result<String, FetchFailure>, Int64).self) { group in
            var next = 0
            func launch() {
                guard next < todo.count else { return }
                let index = todo[next]
                let package = upserts[index]
                next += 1
                group.addTask { [engine] in
                    do {
                        let stored = try await PackageFetcher(parts: engine).fetchAndStore(package, record: false)
                        return (index, .success(stored.sha256), stored.size)
                    } catch let failure as FetchFailure {
                        return (index, .failure(failure), 0)
                    }
                }
            }
            for _ in 0..<min(engine.downloadConcurrency, todo.count) { launch() }
            while let (index, result, size) = try await group.next() {
                if Task.isCancelled {
                    group.cancelAll()
                    throw CancellationError()
                }
                done += 1
                switch result {
                case .success(let sha):
                    upserts[index].blobSHA256 = sha
                    counts.downloaded += 1
                    bytes += size
                    counts.bytes += size
                case .failure(let failure):
                    failed.insert(upserts[index].filename)
                    filtered.append(FilteredRecord(
                        runID: run.id!, subdir: upserts[index].subdir, filename: upserts[index].filename,
                        reason: failure.reason.rawValue, detail: failure.message))
                    logger.warning("package not mirrored", metadata: ["file": "\(upserts[index].filename)", "reason": "\(failure.message)"])
                }
                if ContinuousClock.now - lastReport > .milliseconds(250) || done == total {
                    lastReport = .now
                    try await progress(
                        "Downloading packages",
                        "Downloading \(label): \(done.formatted()) of \(total.formatted()) packages, \(ByteFormat.string(bytes))",
                        done: done, total: total, bytes: bytes)
                }
                launch()
            }
        }
    }

    func progress(_ step: String, _ description: String, done: Int = 0, total: Int = 0, bytes: Int64 = 0) async throws {
        try await database.updateProgress(mirrorID: mirrorID, step: step, description: description, done: done, total: total, bytes: bytes)
    }
}
