import DepotStore
import Foundation
import Testing

@Suite struct FileBlobStoreTests {
    @Test func adoptsATemporaryFileUnderItsDigest() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID().uuidString)")
        let store = try FileBlobStore(root: root)
        let digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"  // sha256("hello")
        #expect(await store.contains(sha256: digest) == false)

        let temp = store.temporaryFileURL()
        try Data("hello".utf8).write(to: temp)
        try await store.adopt(temporaryFile: temp, sha256: digest)

        #expect(await store.contains(sha256: digest))
        let url = try #require(await store.fileURL(sha256: digest))
        #expect(url.path.hasSuffix("sha256/2c/f2/\(digest)"))
        #expect(try Data(contentsOf: url) == Data("hello".utf8))
        #expect(FileManager.default.fileExists(atPath: temp.path) == false)

        try await store.remove(sha256: digest)
        #expect(await store.contains(sha256: digest) == false)
    }

    @Test func refusesPathsThatAreNotDigests() async throws {
        let store = try FileBlobStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID().uuidString)"))
        let temp = store.temporaryFileURL()
        try Data("x".utf8).write(to: temp)
        await #expect(throws: BlobStoreError.self) { try await store.adopt(temporaryFile: temp, sha256: "../../etc/passwd") }
        #expect(await store.fileURL(sha256: "../x") == nil)
    }

    @Test func removesLeftoverTemporaryFiles() throws {
        let store = try FileBlobStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("blobs-\(UUID().uuidString)"))
        try Data("partial".utf8).write(to: store.temporaryFileURL())
        try store.removeTemporaryFiles()
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("tmp").path).isEmpty)
    }
}
