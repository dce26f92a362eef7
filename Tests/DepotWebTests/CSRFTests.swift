import Foundation
import Testing

@Suite struct CSRFTests {
    @Test func statChangingPostsWithoutTheTokenAreRefusedAndChangeNothing() async throws {
        let app = try await TestApp()
        let org = try await app.org("acme")
        try await app.user("olive", role: .owner, in: org)
        let channel = try await app.channel("main", in: org)
        try await app.run { client in
            let browser = Browser(client)
            try await browser.login("olive")
            let create = [("org", "acme"), ("name", "sneaky"), ("description", ""), ("privacy", "public")]

            for token in ["", "forged-token"] {
                let page = try await browser.post("/channels", create, csrf: token.isEmpty ? "" : token)
                #expect(page.status == .forbidden)
                #expect(page.body.contains("This form has expired or was sent from another site"))
            }
            let freeze = try await browser.post("/channels/main/-/freeze", csrf: "forged-token")
            #expect(freeze.status == .forbidden)

            #expect(try await app.database.channel(fullName: "sneaky") == nil)
            #expect(try await app.database.channel(id: channel.id!)?.frozen == false)

            // The same requests with the page's token go through.
            #expect(try await browser.post("/channels", create).status == .seeOther)
            #expect(try await app.database.channel(fullName: "sneaky") != nil)
        }
    }
}
