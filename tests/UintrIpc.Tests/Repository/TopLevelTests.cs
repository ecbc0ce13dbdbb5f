using UintrIpc.Tests.Package;

namespace UintrIpc.Tests.Repository;

/// <summary>The project's card names the top level; a reader finds each entry where the card says.</summary>
public class TopLevelTests
{
    [Theory]
    [InlineData("src")]
    [InlineData("samples")]
    [InlineData("tests")]
    [InlineData("bench")]
    [InlineData("native")]
    public void The_card_folder_is_at_the_top_level(string folder) =>
        Assert.True(Directory.Exists(Path.Combine(RepositoryPaths.Root, folder)), $"{folder}/ is missing at {RepositoryPaths.Root}");

    [Theory]
    [InlineData("UintrIpc.sln")]
    [InlineData("README.md")]
    public void The_card_file_is_at_the_top_level(string file) =>
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, file)), $"{file} is missing at {RepositoryPaths.Root}");

    [Fact]
    public void Native_holds_the_C_and_no_CSharp()
    {
        string native = Path.Combine(RepositoryPaths.Root, "native");
        Assert.NotEmpty(Directory.EnumerateFiles(native, "*.c"));
        Assert.Empty(Directory.EnumerateFiles(native, "*.cs", SearchOption.AllDirectories));
    }
}
