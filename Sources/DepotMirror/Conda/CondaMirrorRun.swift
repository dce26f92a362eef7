import DepotCore
import DepotStore
import Foundation
import Logging

/// One run of a conda mirror: for each subdir fetch the upstream repodata, keep conda package files,
/// download what an active mirror lacks (verified), apply the changes in one transaction and publish the index.
/// A failing package is recorded against that package and the run goes on; a failing subdir fails the run
/// but leaves what the channel served before.
struct CondaMirrorRun: RunSteps {
    let engine: MirrorEngine.Parts
    let mirror: MirrorRecord
    let run: RunRecord
    let logger: Logger

    var source: SourceURL { get throws { try SourceURL(validating: mirror.sourceURL) } }
    var isActive: Bool { mirror.mode == MirrorMode.active.rawValue }

    /// Largest upstream index accepted, compressed or not (conda-forge's biggest subdir is about a quarter of it).
    static let maxIndexBytes = 1 << 30

    struct SubdirFailure: Error {
        let message: String
    }

    /// Answers per-subdir failures; `counts` holds what was done even when the run is stopped part-way.
    func execute(counts: inout AppDatabase.RunCounts) async throws -> [String] {
        var failures: [String] = []
        var changed = false
        let source = try source
        let policy = try await compiledPolicy()
        counts.policyName = policy?.name
        if let policy {
            // What the channel holds depends on the policy, not only on the upstream: a later run without
            // it must read the indexes in full rather than be told "not modified".
            try await database.clearUpstreamState(mirrorID: mirrorID)
            // A policy looks at every subdir at once (dependencies cross into noarch), so all indexes are read first.
            var reads: [SubdirRead] = []
            try await eachSubdir(failures: &failures) { subdir in
                reads.append(try await readSubdir(subdir, source: source, conditional: false))
            }
            // Dependencies cross subdirs, so a subdir that could not be read leaves the others unknowable:
            // nothing is applied and the channel keeps serving what it had.
            if failures.isEmpty {
                try await progress("Applying policy", "Applying policy \(policy.name) to \(reads.reduce(0) { $0 + $1.candidates.count }) packages")
                try await apply(policy.compiled, to: &reads, counts: &counts)
                for read in reads {
                    try Task.checkCancellation()
                    changed = try await applySubdir(read, counts: &counts) || changed
                }
            } else {
                failures.append("nothing was applied: the policy needs every subdir's index")
            }
        } else {
            try await eachSubdir(failures: &failures) { subdir in
                let read = try await readSubdir(subdir, source: source, conditional: true)
                changed = try await applySubdir(read, counts: &counts) || changed
            }
        }
        // `noarch` always exists, empty when nothing is in it.
        if try await database.servedIndex(channelID: mirror.channelID, subdir: "noarch") == nil {
            try await engine.publisher.publish(channelID: mirror.channelID, subdir: "noarch")
        }
        let hasChanneldata = try await database.servedIndex(channelID: mirror.channelID, subdir: IndexPublisher.channeldataSubdir) != nil
        if changed || !hasChanneldata {
            try await engine.publisher.publishChanneldata(channelID: mirror.channelID)
        }
        return failures
    }

    /// Runs `body` for each mirrored subdir; a subdir that fails is recorded in `failures` (and logged) and
    /// the others go on. Stopping ends the loop.
    func eachSubdir(failures: inout [String], _ body: (String) async throws -> Void) async throws {
        for subdir in mirror.subdirList {
            try Task.checkCancellation()
            do {
                try await body(subdir)
            } catch let failure as SubdirFailure {
                failures.append("\(subdir): \(failure.message)")
                logger.warning("subdir failed", metadata: ["subdir": "\(subdir)", "error": "\(failure.message)"])
            }
        }
    }

    /// The mirror's policy (its own, else its channel's), parsed; a rule that no longer parses fails the run
    /// rather than mirroring more than the policy meant.
    func compiledPolicy() async throws -> (name: String, compiled: CompiledPolicy)? {
        guard let record = try await database.effectivePolicy(mirror: mirror) else { return nil }
        let rules: PolicyRules
        do {
            rules = try record.storedRules()
        } catch {
            throw RunFailure("Policy \(record.name) could not be read from the database (\(error)); nothing was changed")
        }
        do {
            return (record.name, try CompiledPolicy(rules))
        } catch {
            throw RunFailure("Policy \(record.name) has a rule that cannot be read: \(error.message)")
        }
    }

    /// Drops what the policy filters from each subdir's candidates, records why, and stores the dependency report.
    func apply(_ policy: CompiledPolicy, to reads: inout [SubdirRead], counts: inout AppDatabase.RunCounts) async throws {
        var packages: [PolicyPackage] = []
        for read in reads {
            guard read.records.count == read.candidates.count else {
                throw RunFailure("\(read.subdir): the index was not read in full, so the policy cannot be applied")
            }
            for (package, record) in zip(read.candidates, read.records) {
                packages.append(PolicyPackage(subdir: read.subdir, filename: package.filename, record: record))
            }
        }
        let evaluation = PolicyEvaluator.evaluate(policy, packages: packages, source: mirror.sourceURL, now: Int64(Date().timeIntervalSince1970))
        counts.dependencies = evaluation.dependencyCount
        var offset = 0
        for r in reads.indices {
            let decisions = evaluation.decisions[offset..<(offset + reads[r].candidates.count)]
            offset += reads[r].candidates.count
            var kept: [PackageRecord] = []
            for (package, decision) in zip(reads[r].candidates, decisions) {
                if let decision {
                    reads[r].filtered.append(FilteredRecord(
                        runID: run.id!, subdir: reads[r].subdir, filename: package.filename, reason: decision.reason.rawValue,
                        detail: String(decision.detail.prefix(500))))
                } else {
                    kept.append(package)
                }
            }
            reads[r].candidates = kept
            reads[r].records = []
        }
        if let report = evaluation.report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = String(decoding: try encoder.encode(report), as: UTF8.self)
            try await database.saveRunReport(runID: run.id!, report: json)
        }
        logger.info("policy applied", metadata: [
            "policy": "\(counts.policyName ?? "")", "packages": "\(packages.count)", "kept": "\(evaluation.keptCount)",
            "dependencies": "\(evaluation.dependencyCount)",
        ])
    }

    enum Fetch {
        case body([UInt8], etag: String?, lastModified: String?)
        case notModified
        case missing
    }

    /// `repodata.json.zst` first, then `repodata.json`; conditional when a previous run stored validators.
    func fetchRepodata(_ subdir: String, source: SourceURL, conditional: Bool) async throws -> Fetch {
        let state = conditional ? try await database.upstreamState(mirrorID: mirrorID, subdir: subdir) : nil
        var headers: [(String, String)] = []
        if let etag = state?.etag { headers.append(("If-None-Match", etag)) }
        if let modified = state?.lastModified { headers.append(("If-Modified-Since", modified)) }
        do {
            let zst = try await engine.client.fetch(source.appending("\(subdir)/repodata.json.zst"), headers: headers, limit: Self.maxIndexBytes)
            if zst.status == 304 { return try notModified(headers, "\(subdir)/repodata.json.zst") }
            if zst.status == 200 {
                do {
                    let bytes = try Zstd.decompress(zst.body, limit: Self.maxIndexBytes)
                    return .body(bytes, etag: zst.etag, lastModified: zst.lastModified)
                } catch {
                    throw SubdirFailure(message: "\(subdir)/repodata.json.zst could not be decompressed: \(error)")
                }
            }
            let json = try await engine.client.fetch(source.appending("\(subdir)/repodata.json"), headers: headers, limit: Self.maxIndexBytes)
            switch json.status {
            case 200: return .body(json.body, etag: json.etag, lastModified: json.lastModified)
            case 304: return try notModified(headers, "\(subdir)/repodata.json")
            case 404: return .missing
            case 401, 403: throw SubdirFailure(message: "the upstream refused access to \(subdir)/repodata.json (HTTP \(json.status)); check the token in the source URL")
            default: throw SubdirFailure(message: "\(subdir)/repodata.json answered HTTP \(json.status)")
            }
        } catch let error as UpstreamError {
            throw SubdirFailure(message: error.description)
        }
    }

    /// A 304 is believed only when the request was conditional.
    func notModified(_ headers: [(String, String)], _ path: String) throws -> Fetch {
        guard !headers.isEmpty else {
            throw SubdirFailure(message: "\(path) answered 304 Not Modified to a request that was not conditional")
        }
        return .notModified
    }

    /// One subdir's upstream index after the type checks: the packages that may be published.
    struct SubdirRead {
        let subdir: String
        let existing: [String: PackageRecord]
        /// Packages that passed the type checks, in upstream order; the policy may drop some.
        var candidates: [PackageRecord] = []
        /// The parsed record of each candidate (empty when the index was not modified).
        var records: [CondaRecord] = []
        var filtered: [FilteredRecord] = []
        var validators: UpstreamStateRecord?
    }

    /// Fetches (conditionally when asked) and reads one subdir's index, applying the type checks.
    func readSubdir(_ subdir: String, source: SourceURL, conditional: Bool) async throws -> SubdirRead {
        try await progress("Fetching index", "Fetching \(subdir)/repodata.json")
        let fetched = try await fetchRepodata(subdir, source: source, conditional: conditional)
        let existing = try await database.packages(mirrorID: mirrorID, subdir: subdir)
        var read = SubdirRead(subdir: subdir, existing: existing)

        switch fetched {
        case .missing:
            guard subdir == "noarch" else { throw SubdirFailure(message: "\(subdir)/repodata.json was not found upstream") }
        case .notModified:
            // The source URL may have changed (a new token) while the index did not.
            read.candidates = existing.values.map { package in
                var package = package
                package.upstreamURL = source.appending("\(subdir)/\(package.filename)")
                return package
            }
        case .body(let bytes, let etag, let lastModified):
            try await progress("Reading index", "Reading \(subdir)/repodata.json (\(ByteFormat.string(Int64(bytes.count))))")
            let scanned: RepodataScanner.Result
            do {
                scanned = try RepodataScanner.scan(bytes)
            } catch {
                throw SubdirFailure(message: "\(subdir)/repodata.json: \(error)")
            }
            let others = try await database.filenamesOwnedByOthers(channelID: mirror.channelID, subdir: subdir, mirrorID: mirrorID)
            var seen = Set<String>()
            for entry in scanned.entries {
                func filter(_ reason: FilterReason, _ detail: String) {
                    read.filtered.append(FilteredRecord(runID: run.id!, subdir: subdir, filename: String(entry.filename.prefix(300)), reason: reason.rawValue, detail: detail))
                }
                guard CondaFilename.isSafe(entry.filename) else {
                    filter(.invalidFilename, "the filename is not a plain file name")
                    continue
                }
                guard let format = CondaFormat.of(entry.filename) else {
                    filter(.notCondaPackage, "only .conda and .tar.bz2 files are mirrored")
                    continue
                }
                guard format.section == entry.section || !seen.contains(entry.filename) else { continue }
                guard let record = try? CondaRecord.parse(entry.record) else {
                    filter(.invalidRecord, "the record lacks name, version or build")
                    continue
                }
                if let problem = record.problem {
                    filter(.invalidRecord, problem)
                    continue
                }
                if let owner = others[entry.filename] {
                    filter(.duplicate, "mirror “\(owner)” of this channel, created earlier, already provides this file")
                    continue
                }
                guard seen.insert(entry.filename).inserted else { continue }
                let previous = existing[entry.filename]
                read.records.append(record)
                read.candidates.append(PackageRecord(
                    channelID: mirror.channelID, mirrorID: mirrorID, subdir: subdir, filename: entry.filename,
                    name: record.name, version: record.version, build: record.build, size: record.size,
                    sha256: record.sha256?.lowercased(), md5: record.md5?.lowercased(), record: entry.record, mode: mirror.mode,
                    upstreamURL: source.appending("\(subdir)/\(entry.filename)"),
                    blobSHA256: previous?.sha256 == record.sha256?.lowercased() ? previous?.blobSHA256 : nil))
            }
            if conditional { read.validators = UpstreamStateRecord(mirrorID: mirrorID, subdir: subdir, etag: etag, lastModified: lastModified) }
        }
        return read
    }

    /// Downloads what an active mirror lacks, stores the subdir's packages and publishes its index;
    /// answers whether the published index changed.
    func applySubdir(_ read: SubdirRead, counts: inout AppDatabase.RunCounts) async throws -> Bool {
        let subdir = read.subdir, existing = read.existing
        var upserts = read.candidates
        var filtered = read.filtered
        counts.source += upserts.count + filtered.count
        let kept = Set(upserts.map(\.filename))
        var removals = existing.keys.filter { !kept.contains($0) }

        if isActive {
            var failed: Set<String> = []
            do {
                try await downloadMissing(&upserts, label: subdir, counts: &counts, filtered: &filtered, failed: &failed)
            } catch is CancellationError {
                // Stopped: what was downloaded so far is kept and published, nothing is removed.
                let kept = upserts.filter { $0.blobSHA256 != nil }
                counts.kept += kept.count
                let parts = engine, channelID = mirror.channelID, mirrorID = mirrorID
                try? await Task.detached {
                    try await parts.blobs.flush()
                    try await parts.database.apply(SubdirChange(upserts: kept, removals: []), channelID: channelID, mirrorID: mirrorID, subdir: subdir)
                    try await parts.publisher.publish(channelID: channelID, subdir: subdir)
                    try await parts.publisher.publishChanneldata(channelID: channelID)
                }.value
                throw CancellationError()
            }
            // The files are on disk before the database says they are.
            try await engine.blobs.flush()
            // A file that could not be fetched is not published (unless an earlier run stored it).
            upserts.removeAll { failed.contains($0.filename) && $0.blobSHA256 == nil }
            removals += failed.filter { existing[$0]?.blobSHA256 == nil && existing[$0] != nil }
        }

        try Task.checkCancellation()
        try await database.recordFiltered(filtered)
        counts.kept += upserts.count
        counts.filtered += filtered.count
        let changed = !removals.isEmpty || upserts.contains { package in
            guard let old = existing[package.filename] else { return true }
            return old.record != package.record || old.upstreamURL != package.upstreamURL
                || (package.blobSHA256 != nil && old.blobSHA256 != package.blobSHA256)
        }
        let published = try await database.servedIndex(channelID: mirror.channelID, subdir: subdir) != nil
        if changed || !published {
            try await progress("Publishing index", "Publishing \(subdir) (\(upserts.count) packages)")
            try await database.apply(SubdirChange(upserts: upserts, removals: removals), channelID: mirror.channelID, mirrorID: mirrorID, subdir: subdir)
            try await engine.publisher.publish(channelID: mirror.channelID, subdir: subdir)
            // Files that left the upstream go from storage once no channel uses them.
            let gone = removals.compactMap { existing[$0].flatMap { $0.blobSHA256 ?? $0.sha256 } }
            for blob in try await database.unreferencedBlobs(gone) { try? await engine.blobs.remove(sha256: blob) }
        }
        // Validators are stored only once the index built from them is published.
        if let validators = read.validators { try await database.saveUpstreamState(validators) }
        return changed
    }
}
