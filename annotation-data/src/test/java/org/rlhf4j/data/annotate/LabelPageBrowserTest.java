package org.rlhf4j.data.annotate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.rlhf4j.data.format.Candidates;
import org.rlhf4j.data.format.Flag;
import org.rlhf4j.data.format.Ranking;
import org.rlhf4j.data.validate.DataFiles;

/**
 * The labelling page in headless Chromium, driven as a person would: a ranking made in the browser with the keyboard
 * and the mouse arrives intact in the output file. Needs Debian's chromium and chromium-driver (./test installs them):
 * without them this test fails, it does not skip.
 */
class LabelPageBrowserTest {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    /** Selenium warns that it has no CDP binding for this Chromium; this test uses WebDriver only. Kept, so not collected. */
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    @TempDir
    Path dir;

    private LabelServer server;
    private ChromeDriver browser;
    private Path out;

    static List<Candidates> candidates() {
        return List.of(
                new Candidates("q1", "Name a fruit <b>now</b>.", null, null, null, List.of("Apple.", "Pear.", "A car, clearly."),
                        List.of(true, true, false), null),
                new Candidates("q2", "Pick a colour.", null, null, null, List.of("Red.", "Blue."), null, null));
    }

    @BeforeEach
    void start() throws Exception {
        for (String exe : List.of(CHROMIUM, CHROMEDRIVER))
            if (!Files.isExecutable(Path.of(exe)))
                fail(exe + " is missing: the labelling page's browser test needs Debian's chromium and chromium-driver."
                        + " Install them with scripts/setup-debian.sh --browser (./test runs it) or apt-get install -y chromium chromium-driver");
        SELENIUM_LOG.setLevel(Level.SEVERE);
        out = dir.resolve("rankings.jsonl");
        server = LabelServer.start(LabelSession.open(candidates(), out, "browser-tester"), InetAddress.getLoopbackAddress(), 0, null);
        // The driver and the browser are named explicitly, so Selenium Manager never runs (and nothing is downloaded).
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1000,900",
                "--user-data-dir=" + Files.createDirectory(dir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) browser.quit();
        if (server != null) server.close();
    }

    private List<Integer> shownOrder() {
        return browser.findElements(By.cssSelector("#list > li")).stream().map(li -> Integer.parseInt(li.getAttribute("data-response"))).toList();
    }

    private WebElement card(int place) {
        return browser.findElements(By.cssSelector("#list > li")).get(place);
    }

    @Test
    void aRankingMadeInTheBrowserArrivesIntactInTheOutputFile() throws Exception {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(10));
        browser.get(server.uri().toString());
        wait.until(ExpectedConditions.textToBe(By.id("progress"), "0 of 2 ranked"));
        assertEquals("Name a fruit <b>now</b>.", browser.findElement(By.id("prompt")).getText(), "text, never markup");
        assertEquals(List.of(0, 1, 2), shownOrder());
        assertTrue(browser.findElement(By.cssSelector(".keys")).getText().contains("Shift"), "the keys are documented on the page");

        // 1. keyboard: select the second response, move it up
        new Actions(browser).sendKeys(Keys.ARROW_DOWN).keyDown(Keys.SHIFT).sendKeys(Keys.ARROW_UP).keyUp(Keys.SHIFT).perform();
        assertEquals(List.of(1, 0, 2), shownOrder());

        // 2. mouse: drag the last response by its handle to the top
        WebElement top = card(0);
        int above = -top.getSize().getHeight() / 2 + 3;
        new Actions(browser).clickAndHold(card(2).findElement(By.className("handle"))).moveToElement(top, 0, above)
                .release().perform();
        assertEquals(List.of(2, 1, 0), shownOrder());

        // 3. flags: the mouse ticks "harmful" on "Apple." (now last); the keyboard flags the selected (dragged) one
        card(2).findElement(By.className("flag-harmful")).click();
        new Actions(browser).sendKeys("n").perform();
        assertTrue(card(0).findElement(By.className("flag-not_following")).isSelected());

        // 4. the mouse submits; the next item and the progress appear
        browser.findElement(By.id("submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("progress"), "1 of 2 ranked"));
        wait.until(ExpectedConditions.textToBe(By.id("prompt"), "Pick a colour."));
        assertEquals(List.of(0, 1), shownOrder());

        List<Ranking> saved = DataFiles.loadRankings(out.toString());
        assertEquals(List.of(candidates().get(0).toRanking(List.of(2, 1, 0), "browser-tester",
                List.of(Set.of(Flag.HARMFUL), Set.of(), Set.of(Flag.NOT_FOLLOWING)))), saved);

        // 5. the keyboard: number key moves the selection to place 2, Ctrl+Enter submits; then all is done
        new Actions(browser).sendKeys("2").keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
        wait.until(ExpectedConditions.textToBe(By.id("progress"), "2 of 2 ranked"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("done")));
        saved = DataFiles.loadRankings(out.toString());
        assertEquals(2, saved.size());
        assertEquals(candidates().get(1).toRanking(List.of(1, 0), "browser-tester", List.of(Set.of(), Set.of())), saved.get(1));
    }
}
